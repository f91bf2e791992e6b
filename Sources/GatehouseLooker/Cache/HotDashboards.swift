import Synchronization

/// The most recently used dashboards, decoded and rendered, in memory: a cache hit then costs no
/// SQLite read, no unsealing and no JSON work. SQLite stays the source of truth; every write,
/// removal and eviction there is mirrored here.
final class HotDashboards: Sendable {
    private struct Entry {
        var cached: CachedDashboard
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let limit: Int

    /// At most `limit` dashboards.
    init(limit: Int) {
        self.limit = max(0, limit)
    }

    func get(_ key: String) -> CachedDashboard? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.cached
        }
    }

    func put(_ cached: CachedDashboard, for key: String) {
        guard limit > 0 else { return }
        state.withLock { state in
            state.clock += 1
            state.entries[key] = Entry(cached: cached, lastUse: state.clock)
            if state.entries.count > limit, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries[oldest] = nil
            }
        }
    }

    func remove(_ keys: [String]) {
        state.withLock { state in keys.forEach { state.entries[$0] = nil } }
    }
}
