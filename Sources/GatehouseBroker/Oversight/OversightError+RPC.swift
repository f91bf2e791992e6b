import GatehouseCore
import GatehouseOversight
import GatehouseRPC

extension OversightError: RPCErrorConvertible {
    /// The failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .badCallerClass, .reservedCallerClass, .badApprovalRule:
            RPCError(.conflict, reason: "not_configured", message: description)
        case .notFound(let id):
            RPCError(.notFound, reason: "approval_not_found", message: description, extra: ["approvalId": .string(id)])
        case .alreadyDecided(let id, let state):
            RPCError(
                .conflict, reason: "approval_already_decided", message: description, extra: ["approvalId": .string(id), "state": .string(state)])
        case .approverNotInteractive(let callerClass, _):
            RPCError(.denied, reason: "approver_not_interactive", message: description, extra: ["callerClass": .string(callerClass)])
        case .approverIsRequester(let id, _):
            RPCError(.denied, reason: "approver_is_requester", message: description, extra: ["approvalId": .string(id)])
        case .stepUpRequired(let id, _, let maxAge, _):
            RPCError(
                .unauthorized, reason: "step_up_required", message: description,
                extra: ["approvalId": .string(id), "maxAgeSeconds": .int(Int64(maxAge))])
        }
    }
}
