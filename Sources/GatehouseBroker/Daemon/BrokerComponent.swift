import GatehouseAudit
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
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
    /// The `http.*` settings (CA bundle, proxy) every upstream client is built with.
    let upstreamHTTP: UpstreamHTTPSettings
    public let logger: Logger
    /// The key every component seals at-rest data with (tokens, cached query results), resolved once:
    /// a key passed on a file descriptor can only be read once.
    public let sealingKey: SealingKeySource
    /// How features tell each other what happened (sync finished, signing out, approval settled).
    public let events = BrokerEvents()

    /// The context for `config`; checks the `http.*` keys and resolves (for a descriptor, reads) the sealing key now.
    public init(config: Config, store: Store, audit: AuditLog, logger: Logger) throws {
        self.config = config
        self.store = store
        self.audit = audit
        upstreamHTTP = try UpstreamHTTPSettings(config)
        self.http = HTTPClient(configuration: upstreamHTTP.applied(), logger: logger)
        self.logger = logger
        self.sealingKey = try IdentitySettings.keySource(config, databasePath: store.path)
    }
}

/// A part of the broker (identity, catalog, policy, looker, dataproc...): its RPC methods and its background work.
public protocol BrokerComponent: Sendable {
    /// Its key in `system.status` (`identity`, `catalog`, ...): each component reports under its own.
    var statusKey: String { get }
    /// The methods it serves.
    var methods: [RPCMethod] { get }
    /// Long-running work (sync loops, refreshers, senders). Cancelled at shutdown; must return promptly then.
    func run() async
    /// Counts and states for `system.status`, reported under `statusKey`.
    func status() async -> [String: JSONValue]
    /// What its methods answer (result schemas, errors with their reasons), for `rpc.discover`.
    var answers: [RPCResultDescription] { get }
    /// The notifications its streaming methods send, for `rpc.discover`.
    var notifications: [RPCNotificationDescription] { get }
}

extension BrokerComponent {
    /// No background work by default.
    public func run() async {}
    /// Nothing to report by default.
    public func status() async -> [String: JSONValue] { [:] }
    /// No streaming methods by default.
    public var notifications: [RPCNotificationDescription] { [] }
}
