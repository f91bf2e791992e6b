import Foundation
import GRDB
import GatehouseCore
import GatehouseIdentity
import GatehouseStore
import Synchronization

/// A cached dashboard, when Looker produced it, and its JSON (rendered once, served many times).
public struct CachedDashboard: Sendable, Equatable {
    public let dashboard: LookerDashboard
    public let fetchedAt: Date
    /// `dashboard` as a JSON object.
    public let json: JSONValue

    /// A copy of `dashboard` fetched at `fetchedAt`.
    public init(dashboard: LookerDashboard, fetchedAt: Date) {
        self.dashboard = dashboard
        self.fetchedAt = fetchedAt
        json = (try? JSONValue(encoding: dashboard)) ?? .null
    }
}

/// What `DashboardCache.entry(_:)` and listings show without opening the seal.
public struct CacheEntrySummary: Sendable, Equatable {
    public var key: DashboardCacheKey
    public var bytes: Int
    public var fetchedAt: Date
    public var lastAccessAt: Date
}

/// The dashboard cache in SQLite: sealed at rest, bounded in bytes, evicting least recently used.
///
/// Reads record their access time in memory and the next write flushes them before evicting, so
/// a cache hit costs no write, and eviction still sees every access. The most recently used
/// dashboards are also kept decoded in memory (`hotLimit`), so a hot hit costs no read either.
public final class DashboardCache: Sendable {
    private let store: Store
    private let sealer: Sealer
    /// The most bytes of sealed data kept; older entries are evicted past it.
    public let maxBytes: Int
    private let touched = Mutex<[String: Double]>([:])
    private let hot: HotDashboards

    /// A cache over `store`, sealing with `sealer`, holding at most `maxBytes` on disk and `hotLimit` dashboards decoded in memory.
    public init(store: Store, sealer: Sealer, maxBytes: Int, hotLimit: Int = 32) {
        self.store = store
        self.sealer = sealer
        self.maxBytes = maxBytes
        hot = HotDashboards(limit: hotLimit)
    }

    /// The cached copy for `key`, or nil; `now` counts as its last access.
    public func read(_ key: DashboardCacheKey, now: Date) async throws(LookerError) -> CachedDashboard? {
        if let cached = hot.get(key.description) {
            touched.withLock { $0[key.description] = now.timeIntervalSince1970 }
            return cached
        }
        let row: (sealed: Data, fetchedAt: Double)?
        do {
            row = try await store.pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT sealed, fetched_at FROM looker_dashboard_cache WHERE cache_key = ?"), arguments: [key.description]
                )
                .map { ($0["sealed"], $0["fetched_at"]) }
            }
        } catch {
            throw .cache("cannot read \(key): \(error)")
        }
        guard let row else { return nil }
        let dashboard: LookerDashboard
        do {
            let json = try sealer.open(row.sealed, context: key.sealContext)
            dashboard = try JSONDecoder().decode(LookerDashboard.self, from: Data(json.utf8))
        } catch {
            // A copy that does not open (key replaced, tampered row) is as good as none: refetch it.
            return nil
        }
        touched.withLock { $0[key.description] = now.timeIntervalSince1970 }
        let cached = CachedDashboard(dashboard: dashboard, fetchedAt: Date(timeIntervalSince1970: row.fetchedAt))
        hot.put(cached, for: key.description)
        return cached
    }

    /// Stores `cached` for `key`, then evicts least recently used entries until the total fits `maxBytes`.
    public func write(_ cached: CachedDashboard, for key: DashboardCacheKey, now: Date) async throws(LookerError) {
        let sealed: Data
        do {
            let json = String(decoding: try JSONEncoder().encode(cached.dashboard), as: UTF8.self)
            sealed = try sealer.seal(json, context: key.sealContext)
        } catch {
            throw .cache("cannot seal dashboard \(key.dashboardID): \(error)")
        }
        let accesses = touched.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        let maxBytes = maxBytes
        let evicted: [String]
        do {
            evicted = try await store.writer.write { db in
                for (cacheKey, at) in accesses {
                    try db.execute(
                        sql: "UPDATE looker_dashboard_cache SET last_access_at = MAX(last_access_at, ?) WHERE cache_key = ?",
                        arguments: [at, cacheKey])
                }
                try db.execute(
                    sql: """
                        INSERT INTO looker_dashboard_cache(cache_key, looker_user, dashboard_id, sealed, bytes, fetched_at, last_access_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(cache_key) DO UPDATE SET sealed = excluded.sealed, bytes = excluded.bytes,
                            fetched_at = excluded.fetched_at, last_access_at = excluded.last_access_at
                        """,
                    arguments: [
                        key.description, key.lookerUser, key.dashboardID, sealed, sealed.count, cached.fetchedAt.timeIntervalSince1970,
                        now.timeIntervalSince1970,
                    ])
                // Keep the most recently used entries whose running total fits; drop the rest.
                return try String.fetchAll(
                    db,
                    sql: """
                        DELETE FROM looker_dashboard_cache WHERE cache_key IN (
                            SELECT cache_key FROM (
                                SELECT cache_key, SUM(bytes) OVER (ORDER BY last_access_at DESC, cache_key ROWS UNBOUNDED PRECEDING) AS running
                                FROM looker_dashboard_cache)
                            WHERE running > ?)
                        RETURNING cache_key
                        """,
                    arguments: [maxBytes])
            }
        } catch {
            throw .cache("cannot store dashboard \(key.dashboardID): \(error)")
        }
        hot.put(cached, for: key.description)
        hot.remove(evicted)
    }

    /// Drops the copy for `key` (Looker no longer shows it to this Looker user).
    public func remove(_ key: DashboardCacheKey) async throws(LookerError) {
        do {
            try await store.writer.write { db in
                try db.execute(sql: "DELETE FROM looker_dashboard_cache WHERE cache_key = ?", arguments: [key.description])
            }
            hot.remove([key.description])
        } catch {
            throw .cache("cannot drop dashboard \(key.dashboardID): \(error)")
        }
    }

    /// Summaries of every cached entry, most recently used first.
    public func entries() async throws(LookerError) -> [CacheEntrySummary] {
        do {
            return try await store.pool.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT cache_key, looker_user, dashboard_id, bytes, fetched_at, last_access_at FROM looker_dashboard_cache ORDER BY last_access_at DESC"
                ).map { row in
                    CacheEntrySummary(
                        key: DashboardCacheKey(lookerUser: row["looker_user"], dashboardID: row["dashboard_id"]), bytes: row["bytes"],
                        fetchedAt: Date(timeIntervalSince1970: row["fetched_at"]), lastAccessAt: Date(timeIntervalSince1970: row["last_access_at"]))
                }
            }
        } catch {
            throw .cache("cannot list the cache: \(error)")
        }
    }
}
