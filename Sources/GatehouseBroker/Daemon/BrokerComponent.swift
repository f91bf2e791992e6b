import GatehouseAudit
import GatehouseCore
import GatehouseHTTP
import GatehouseRPC
import GatehouseStore
import Logging

/// What every component of the broker is built from: shared, long-lived services.
public struct BrokerContext: Sendable {
    public let config: Config
    public let store: Store
    public let audit: AuditLog
    /// The one libcurl client every upstream shares (one circuit breaker per upstream name).
    public let http: HTTPClient
    public let logger: Logger
}

/// A part of the broker (identity, catalog, policy, looker, dataproc...): its RPC methods and its background work.
public protocol BrokerComponent: Sendable {
    /// The methods it serves.
    var methods: [RPCMethod] { get }
    /// Long-running work (sync loops, refreshers, senders). Cancelled at shutdown; must return promptly then.
    func run() async
    /// Counts and states for `system.status`, under the component's own key.
    func status() async -> [String: JSONValue]
}

extension BrokerComponent {
    /// No background work by default.
    public func run() async {}
    /// Nothing to report by default.
    public func status() async -> [String: JSONValue] { [:] }
}
