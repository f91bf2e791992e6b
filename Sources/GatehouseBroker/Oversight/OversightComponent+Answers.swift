import GatehouseCore
import GatehouseRPC

extension OversightComponent {
    /// The schema of one approval record as answers and notifications carry it.
    static let approvalSchema: JSONValue = {
        typealias S = ResultSchema
        let text = S.nullable(S.string)
        return S.object(
            [
                "id": S.string, "state": S.oneOf(["pending", "approved", "denied", "expired"]), "action": S.string, "entity": S.string,
                "rule": S.string, "summary": S.any, "principal": text,
                "requester": S.object(
                    ["uid": S.integer, "pid": S.integer, "executable": text, "sha256": text, "callerClass": S.string, "parents": S.any],
                    required: ["uid", "pid", "callerClass"]),
                "createdAt": S.string, "expiresAt": S.string, "decidedAt": text, "decidedBy": text,
                "decider": S.nullable(S.object(["pid": S.integer, "executable": text, "callerClass": text], required: ["pid"])),
                "reason": text, "followUpDelivered": S.boolean,
            ], required: ["id", "state", "action", "entity", "requester", "createdAt", "expiresAt"])
    }()

    /// What `approval.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let notFound = RPCErrorDescription(.notFound, "approval_not_found", "No approval with this id")
        let decide = [
            notFound,
            RPCErrorDescription(.conflict, "approval_already_decided", "The approval was already approved, denied or expired"),
            RPCErrorDescription(.denied, "approver_is_requester", "The requesting process (or its ancestry) cannot approve its own request"),
            RPCErrorDescription(.denied, "approver_not_interactive", "Approvals are given only from a person's terminal"),
        ]
        return [
            RPCResultDescription("approval.list", result: S.record(["approvals": S.array(Self.approvalSchema), "count": S.integer])),
            RPCResultDescription("approval.get", result: Self.approvalSchema, errors: [notFound]),
            RPCResultDescription("approval.wait", result: Self.approvalSchema, errors: [notFound]),
            RPCResultDescription(
                "approval.approve", result: Self.approvalSchema,
                errors: decide + [
                    RPCErrorDescription(
                        .unauthorized, "step_up_required",
                        "The action needs a sign-in at the IdP within oversight.step_up_max_age_seconds (data.maxAgeSeconds)")
                ]),
            RPCResultDescription("approval.deny", result: Self.approvalSchema, errors: decide),
            RPCResultDescription(
                "approval.request",
                result: S.record([
                    "state": S.constant("PENDING_APPROVAL"), "approvalId": S.string, "expiresAt": S.string,
                ]),
                errors: [
                    RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first"),
                    RPCErrorDescription(.conflict, "not_configured", "Approvals are not configured"),
                ]),
        ]
    }

    /// `approval.pending` and `approval.resolved`, sent while `approval.wait` runs.
    public var notifications: [RPCNotificationDescription] {
        [
            RPCNotificationDescription(
                "approval.pending", summary: "The approval waits for a person.", sentBy: ["approval.wait"], params: Self.approvalSchema),
            RPCNotificationDescription(
                "approval.resolved", summary: "The approval was approved, denied or expired.", sentBy: ["approval.wait"], params: Self.approvalSchema),
        ]
    }
}
