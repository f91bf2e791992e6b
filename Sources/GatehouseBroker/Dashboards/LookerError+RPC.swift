import GatehouseCore
import GatehouseLooker
import GatehouseRPC

extension LookerError: RPCErrorConvertible {
    /// The Looker failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .notConfigured, .secretUnreadable: RPCError(.conflict, reason: "not_configured", message: description)
        case .unavailable: RPCError(.upstreamUnavailable, reason: "upstream_unavailable", message: description)
        case .notAvailableOffline(let id, _):
            RPCError(.upstreamUnavailable, reason: "not_available_offline", message: description, extra: ["dashboardId": .string(id)])
        case .loginRejected: RPCError(.upstreamError, reason: "looker_login_rejected", message: description)
        case .dashboardNotFound(let id): RPCError(.notFound, reason: "dashboard_not_found", message: description, extra: ["dashboardId": .string(id)])
        case .forbidden: RPCError(.upstreamError, reason: "looker_forbidden", message: description)
        case .rejected, .undecodable: RPCError(.upstreamError, reason: "looker_error", message: description)
        case .cache: .internalError(reason: "dashboard_cache")
        }
    }
}
