import GatehouseCore
import GatehouseRPC

extension BatchComponent {
    /// What `batch.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let text = S.nullable(S.string)
        let batchProperties: [String: JSONValue] = [
            "batchId": S.string, "principal": S.string, "entity": S.string, "project": S.string, "region": S.string, "workload": S.string,
            "state": S.string, "detail": S.string, "approvalId": S.string, "createdAt": S.string, "updatedAt": S.string,
            "submittedAt": S.string, "finishedAt": S.string, "uuid": S.string, "operation": S.string, "outputUri": S.string,
            "deletedAt": S.string, "spec": S.anyObject,
        ]
        let required = ["batchId", "entity", "project", "region", "workload", "state", "createdAt", "updatedAt"]
        let batch = S.object(batchProperties, required: required)
        var showProperties = batchProperties
        showProperties["transitions"] = S.array(S.object(["state": S.string, "detail": S.string, "at": S.string], required: ["state", "at"]))
        showProperties["outbox"] = S.array(
            S.record(["kind": S.string, "state": S.string, "attempts": S.integer, "requestId": S.string, "lastError": text]))
        showProperties["lastError"] = text
        let show = S.object(showProperties, required: required + ["transitions", "outbox", "lastError"])
        let unknown = RPCErrorDescription(.notFound, "unknown_batch", "No batch with this id")
        let denied = RPCErrorDescription(.denied, "denied", "Policy denies the action on the batch's entity (job.* rules apply)")
        let signIn = RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first")
        let state = RPCErrorDescription(.conflict, "job_state", "The batch's state does not allow it (ended, not ended, never sent)")
        return [
            RPCResultDescription(
                "batch.submit",
                result: S.object(
                    [
                        "batchId": S.string, "state": S.oneOf(["QUEUED", "PENDING_APPROVAL"]), "entity": S.string, "project": S.string,
                        "region": S.string, "approvalId": S.string, "expiresAt": S.string,
                    ], required: ["batchId", "state", "entity", "project", "region"]),
                errors: [
                    denied, signIn,
                    RPCErrorDescription(
                        .notFound, "unknown_entity", "The catalog snapshot holds no such entity (data.didYouMean suggests the nearest)"),
                    RPCErrorDescription(.notFound, "no_snapshot", "No catalog snapshot yet: gatehouse catalog sync"),
                    RPCErrorDescription(.conflict, "not_configured", "The entity names no Dataproc project/region (annotations)"),
                ]),
            RPCResultDescription("batch.show", result: show, errors: [unknown, denied]),
            RPCResultDescription("batch.list", result: S.record(["batches": S.array(batch), "count": S.integer]), errors: [denied, signIn]),
            RPCResultDescription(
                "batch.cancel", result: S.record(["batchId": S.string, "previousState": S.string, "cancel": S.string]),
                errors: [unknown, denied, state]),
            RPCResultDescription(
                "batch.delete", result: S.record(["batchId": S.string, "state": S.string, "delete": S.string]), errors: [unknown, denied, state]),
            RPCResultDescription("batch.watch", result: batch, errors: [unknown, denied]),
            RPCResultDescription(
                "batch.logs",
                result: S.record(["batchId": S.string, "state": S.string, "nextChunk": S.integer, "chunks": S.integer, "bytes": S.integer]),
                errors: [
                    unknown, denied,
                    RPCErrorDescription(.conflict, "no_output", "The ended batch has no output URI"),
                    RPCErrorDescription(.unauthorized, "no_credentials", "No Google token to read the output with: sign in"),
                    RPCErrorDescription(.upstreamUnavailable, "upstream_unavailable", "Dataproc or Cloud Storage cannot be reached"),
                    RPCErrorDescription(.upstreamError, "upstream_error", "Dataproc or Cloud Storage answered with an error"),
                ]),
        ]
    }

    /// `batch.state` (batch.watch) and `batch.logs` (batch.logs).
    public var notifications: [RPCNotificationDescription] {
        typealias S = ResultSchema
        return [
            RPCNotificationDescription(
                "batch.state", summary: "The batch's state now, then each change until it ends.", sentBy: ["batch.watch"],
                params: S.record(["batchId": S.string, "state": S.string, "detail": S.nullable(S.string), "updatedAt": S.string])),
            RPCNotificationDescription(
                "batch.logs", summary: "One chunk of the driver's output, in order.", sentBy: ["batch.logs"],
                params: S.record(["batchId": S.string, "chunk": S.integer, "text": S.string])),
        ]
    }
}
