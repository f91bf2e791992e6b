import GatehouseCatalog
import GatehouseCore
import GatehouseOversight
import Synchronization

/// What one feature of the broker tells the others. Each is a case the compiler checks; a feature
/// that publishes one does not know who listens (the catalog does not know clusters exist).
public enum BrokerEvent: Sendable {
    /// A catalog sync finished; its snapshot is served from now on.
    case catalogSynced(SyncReport)
    /// The person is signing out. Their tokens still work until every subscriber has returned;
    /// `keepClusters` asks that their clusters be left to run until their TTL.
    case signingOut(Principal, keepClusters: Bool)
    /// A person settled (or time expired) an approval held for `action`.
    case approvalResolved(ApprovalResolution, action: String)
}

/// The broker's one path for events between features, made once per daemon and handed to each
/// component in `BrokerContext`. Subscribers run one after another, in the order they subscribed;
/// `publish` returns once every one has returned, so a publisher can rely on what they did (the
/// clusters are torn down before logout forgets the tokens).
public final class BrokerEvents: Sendable {
    /// Reacts to one event; ignores the cases it does not care about.
    public typealias Subscriber = @Sendable (BrokerEvent) async -> Void

    private let subscribers = Mutex<[Subscriber]>([])

    /// No subscribers yet.
    public init() {}

    /// Adds `subscriber` after those already there.
    public func subscribe(_ subscriber: @escaping Subscriber) {
        subscribers.withLock { $0.append(subscriber) }
    }

    /// Runs every subscriber on `event`, in order.
    public func publish(_ event: BrokerEvent) async {
        for subscriber in subscribers.withLock({ $0 }) { await subscriber(event) }
    }
}
