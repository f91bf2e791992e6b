import GatehouseCatalog
import GatehouseCore
import GatehouseRPC

extension CatalogError: RPCErrorConvertible {
    /// The catalog failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .invalidRef: .invalidParams(description)
        case .notFound(let ref): RPCError(.notFound, reason: "not_found", message: description, extra: ["entity": .string(ref)])
        case .noSnapshot: RPCError(.notFound, reason: "no_snapshot", message: description)
        case .notConfigured, .tokenUnreadable: RPCError(.conflict, reason: "not_configured", message: description)
        case .upstream, .badPage: RPCError(.upstreamUnavailable, reason: "upstream_unavailable", message: description)
        case .cancelled: RPCError(.shuttingDown, reason: "cancelled", message: description)
        case .store: .internalError(reason: "store")
        }
    }
}
