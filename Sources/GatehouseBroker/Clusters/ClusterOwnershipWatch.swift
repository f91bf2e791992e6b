import GatehouseCore
import Synchronization

/// Connects the catalog's `onSynced` (built before the cluster component exists) to the cluster
/// component's ownership check, which then tears down clusters of entities the person lost.
public final class ClusterOwnershipWatch: Sendable {
    private let component = Mutex<ClusterComponent?>(nil)

    /// Not connected yet: syncs before `attach` check nothing.
    public init() {}

    /// The component that checks ownership after each sync.
    public func attach(_ clusters: ClusterComponent) {
        component.withLock { $0 = clusters }
    }

    /// Call after a successful sync; the check runs in the background.
    public func synced(principal: @escaping @Sendable () async -> Principal?) {
        guard let clusters = component.withLock({ $0 }) else { return }
        Task { await clusters.catalogSynced(principal: await principal()) }
    }
}
