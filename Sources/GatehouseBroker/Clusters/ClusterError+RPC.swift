import GatehouseCore
import GatehouseDataproc
import GatehouseRPC

extension ClusterError: RPCErrorConvertible {
    /// The cluster failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .invalidSpec(let problems):
            RPCError(
                code: RPCErrorCode.invalidParams.rawValue, message: "Invalid params",
                data: [
                    "reason": "invalid_cluster_spec", "detail": .string(description), "problems": .array(problems.map { .string($0) }),
                ])
        case .invalidRequest, .unknownTemplate:
            RPCError(
                code: RPCErrorCode.invalidParams.rawValue, message: "Invalid params",
                data: ["reason": "invalid_params", "detail": .string(description)])
        case .invalidSetting: RPCError(.conflict, reason: "invalid_setting", message: description)
        case .limit: RPCError(.denied, reason: "limit", message: description)
        case .unknownCluster(let id): RPCError(.notFound, reason: "unknown_cluster", message: description, extra: ["clusterId": .string(id)])
        case .notConfigured(let entity, _): RPCError(.conflict, reason: "not_configured", message: description, extra: ["entity": .string(entity)])
        case .conflict: RPCError(.conflict, reason: "cluster_state", message: description)
        }
    }
}
