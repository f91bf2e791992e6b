import GatehouseCore
import GatehouseRPC

extension JobComponent {
    /// What `job.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let text = S.nullable(S.string)
        let job = S.object(
            [
                "jobId": S.string, "principal": S.string, "entity": S.string, "project": S.string, "region": S.string, "cluster": S.string,
                "type": S.string, "state": S.string, "detail": S.string, "approvalId": S.string, "createdAt": S.string, "updatedAt": S.string,
                "submittedAt": S.string, "finishedAt": S.string, "jobUuid": S.string, "spec": S.anyObject,
            ], required: ["jobId", "entity", "project", "region", "cluster", "state", "createdAt", "updatedAt"])
        var status = job
        if case .object(var members) = job, case .object(var properties)? = members["properties"] {
            properties["transitions"] = S.array(S.object(["state": S.string, "detail": S.string, "at": S.string], required: ["state", "at"]))
            properties["outbox"] = S.array(
                S.record([
                    "kind": S.string, "state": S.string, "attempts": S.integer, "requestId": S.string, "lastError": text,
                ]))
            properties["lastError"] = text
            members["properties"] = .object(properties)
            members["required"] = .array((members["required"]?.arrayValue ?? []) + ["transitions", "outbox", "lastError"])
            status = .object(members)
        }
        let unknown = RPCErrorDescription(.notFound, "unknown_job", "No job with this id")
        let denied = RPCErrorDescription(.denied, "denied", "Policy denies the action on the job's entity (data.rule, data.decision)")
        let signIn = RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first")
        return [
            RPCResultDescription(
                "job.submit",
                result: S.object(
                    [
                        "jobId": S.string, "state": S.oneOf(["QUEUED", "PENDING_APPROVAL"]), "entity": S.string, "project": S.string,
                        "region": S.string, "cluster": S.string, "approvalId": S.string, "expiresAt": S.string,
                    ], required: ["jobId", "state", "entity", "project", "region", "cluster"]),
                errors: [
                    denied, signIn,
                    RPCErrorDescription(.notFound, "not_found", "No such entity in the snapshot"),
                    RPCErrorDescription(
                        .notFound, "unknown_entity", "The catalog snapshot holds no such entity (data.didYouMean suggests the nearest)"),
                    RPCErrorDescription(.notFound, "no_snapshot", "No catalog snapshot yet: gatehouse catalog sync"),
                    RPCErrorDescription(.conflict, "not_configured", "The entity names no Dataproc project/region (annotations)"),
                ]),
            RPCResultDescription("job.status", result: status, errors: [unknown, denied]),
            RPCResultDescription("job.list", result: S.record(["jobs": S.array(job), "count": S.integer]), errors: [denied, signIn]),
            RPCResultDescription(
                "job.cancel", result: S.record(["jobId": S.string, "previousState": S.string, "cancel": S.string]),
                errors: [
                    unknown, denied, RPCErrorDescription(.conflict, "job_state", "The job has already ended"),
                ]),
            RPCResultDescription("job.watch", result: job, errors: [unknown, denied]),
            RPCResultDescription(
                "job.logs",
                result: S.record([
                    "jobId": S.string, "state": S.string, "nextChunk": S.integer, "chunks": S.integer, "bytes": S.integer,
                ]),
                errors: [
                    unknown, denied,
                    RPCErrorDescription(.conflict, "no_output", "The job has no driver output yet (not sent, or Dataproc gave no output URI)"),
                    RPCErrorDescription(.unauthorized, "no_credentials", "No Google token to read the output with: sign in"),
                    RPCErrorDescription(.upstreamUnavailable, "upstream_unavailable", "Cloud Storage cannot be reached"),
                    RPCErrorDescription(.upstreamError, "upstream_error", "Cloud Storage answered with an error"),
                ]),
        ]
    }

    /// `job.state` (job.watch) and `job.logs` (job.logs).
    public var notifications: [RPCNotificationDescription] {
        typealias S = ResultSchema
        return [
            RPCNotificationDescription(
                "job.state", summary: "The job's state now, then each change until it ends.", sentBy: ["job.watch"],
                params: S.record(["jobId": S.string, "state": S.string, "detail": S.nullable(S.string), "updatedAt": S.string])),
            RPCNotificationDescription(
                "job.logs", summary: "One chunk of the driver's output, in order.", sentBy: ["job.logs"],
                params: S.record(["jobId": S.string, "chunk": S.integer, "text": S.string])),
        ]
    }
}
