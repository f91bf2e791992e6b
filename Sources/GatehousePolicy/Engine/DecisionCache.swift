import GatehouseCore
import Synchronization

/// Decisions already made on a snapshot. The snapshot id is part of the key, so a sync makes old
/// entries unreachable; `clear()` on sync also frees them.
final class DecisionCache: Sendable {
    struct Key: Hashable, Sendable {
        var principal: Principal
        var action: String
        var entity: String
        var snapshot: Int64
    }

    private let entries = Mutex<[Key: Decision]>([:])
    private let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func get(_ key: Key) -> Decision? { entries.withLock { $0[key] } }

    func put(_ key: Key, _ decision: Decision) {
        entries.withLock { entries in
            // Crude but bounded: a full cache starts over rather than tracking recency.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = decision
        }
    }

    func clear() { entries.withLock { $0.removeAll() } }

    var count: Int { entries.withLock { $0.count } }
}
