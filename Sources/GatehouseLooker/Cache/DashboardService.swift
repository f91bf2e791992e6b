import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import Logging
import Synchronization

/// Dashboards with stale-while-revalidate: a copy younger than `freshFor` is served as is; an
/// older one is served at once (`stale`) while one background refresh per dashboard replaces it;
/// with Looker unreachable the last good copy is served (`offline`); a dashboard never fetched
/// while Looker is unreachable is `notAvailableOffline`.
public final class DashboardService: Sendable {
    /// The Looker API client.
    public let client: LookerClient
    /// Each person's own embed user; nil when every read runs as the service account.
    public let people: LookerEmbedUsers?
    /// The SQLite cache.
    public let cache: DashboardCache
    /// How long a fetched copy counts as fresh.
    public let freshFor: TimeInterval
    private let http: HTTPClient
    private let clock: any IdentityClock
    private let logger: Logger
    private let flights = Flights<DashboardCacheKey, CachedDashboard>()
    /// Why the last Looker call failed for lack of a connection; nil once one succeeds.
    private let lastOutage = Mutex<String?>(nil)

    /// A service fetching through `client` into `cache`.
    public init(
        client: LookerClient, cache: DashboardCache, http: HTTPClient, freshFor: TimeInterval, people: LookerEmbedUsers? = nil,
        clock: any IdentityClock = SystemIdentityClock(), logger: Logger = Logger(label: "gatehouse.looker")
    ) {
        self.client = client
        self.people = people
        self.cache = cache
        self.http = http
        self.freshFor = freshFor
        self.clock = clock
        self.logger = logger
    }

    /// The dashboard `id` for `principal`, from the cache when it can be, else from Looker.
    public func dashboard(_ id: String, for principal: Principal) async throws(LookerError) -> DashboardAnswer {
        let key = DashboardCacheKey(lookerUser: client.lookerUser(for: principal), dashboardID: id)
        let now = clock.now
        if let cached = try await cache.read(key, now: now) {
            let age = now.timeIntervalSince(cached.fetchedAt)
            if age < freshFor { return answer(cached, .fresh, key) }
            refreshInBackground(key, for: principal)
            return answer(cached, .stale, key)
        }
        do {
            return answer(try await fetch(key, for: principal), .fetched, key)
        } catch let error where error.isUnavailable {
            throw .notAvailableOffline(dashboardID: id, detail: error.description)
        }
    }

    /// The person's cached copies' summaries for listings (no Looker call, no seal opened).
    public func cachedEntries(for principal: Principal) async throws(LookerError) -> [String: CacheEntrySummary] {
        let lookerUser = client.lookerUser(for: principal)
        let mine = try await cache.entries().filter { $0.key.lookerUser == lookerUser }
        return Dictionary(mine.map { ($0.key.dashboardID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every cached copy's summary (status).
    public func allCachedEntries() async throws(LookerError) -> [CacheEntrySummary] { try await cache.entries() }

    /// Drops everything cached for the person and their Looker token: their attributes changed, so what they may see did too.
    public func invalidate(_ principal: Principal) async throws(LookerError) {
        let lookerUser = client.lookerUser(for: principal)
        client.forgetToken(for: principal)
        for entry in try await cache.entries() where entry.key.lookerUser == lookerUser { try await cache.remove(entry.key) }
        logger.info("Looker attributes changed; the person's cached dashboards were dropped", metadata: ["lookerUser": "\(lookerUser)"])
    }

    /// Whether Looker is known to be unreachable now.
    public var isOffline: Bool {
        lastOutage.withLock { $0 != nil } || http.isOffline(LookerClient.upstream)
    }

    /// Waits until background refreshes started so far have finished (tests, shutdown).
    public func waitForRefreshes() async {
        await flights.waitForAll()
    }

    /// An SSO embed URL; the dashboard's model comes from the cache when known.
    public func embedURL(_ id: String, for principal: Principal, sessionSeconds: Int) async throws(LookerError) -> String {
        let key = DashboardCacheKey(lookerUser: client.lookerUser(for: principal), dashboardID: id)
        // SSO embedding grants models by name: take the dashboard's from the cache, else fetch it (which caches it).
        var model = try await cache.read(key, now: clock.now)?.dashboard.model
        if model == nil { model = try await dashboard(id, for: principal).dashboard.model }
        return try await track { () async throws(LookerError) in
            if let people {
                return try await people.embedURL(dashboardID: id, model: model, for: principal, sessionSeconds: sessionSeconds)
            }
            return try await client.embedURL(dashboardID: id, model: model, for: principal, sessionSeconds: sessionSeconds)
        }
    }

    private func answer(_ cached: CachedDashboard, _ source: DashboardAnswer.Source, _ key: DashboardCacheKey) -> DashboardAnswer {
        DashboardAnswer(
            dashboard: cached.dashboard, json: cached.json, fetchedAt: cached.fetchedAt, source: source, offline: source != .fetched && isOffline,
            lookerUser: key.lookerUser)
    }

    /// Fetches and caches, sharing the work with any fetch of the same dashboard in flight.
    private func fetch(_ key: DashboardCacheKey, for principal: Principal) async throws(LookerError) -> CachedDashboard {
        do {
            return try await flights.run(key: key) { [self] in try await fetchNow(key, for: principal) }
        } catch let error as LookerError {
            throw error
        } catch {
            throw .cache("\(error)")
        }
    }

    private func refreshInBackground(_ key: DashboardCacheKey, for principal: Principal) {
        guard !flights.isRunning(key) else { return }
        flights.start(key: key) { [self] in
            do throws(LookerError) {
                return try await fetchNow(key, for: principal)
            } catch .dashboardNotFound, .forbidden {
                // Looker no longer shows it to this Looker user: serving the old copy would outlive the revocation.
                logger.notice("dashboard no longer visible in Looker; dropped from the cache", metadata: ["dashboard": "\(key.dashboardID)"])
                try await cache.remove(key)
                throw LookerError.dashboardNotFound(id: key.dashboardID)
            } catch {
                logger.warning(
                    "dashboard refresh failed; serving the cached copy", metadata: ["dashboard": "\(key.dashboardID)", "error": "\(error)"])
                throw error
            }
        }
    }

    private func fetchNow(_ key: DashboardCacheKey, for principal: Principal) async throws(LookerError) -> CachedDashboard {
        let dashboard = try await track { () async throws(LookerError) in try await client.dashboard(key.dashboardID, for: principal) }
        let cached = CachedDashboard(dashboard: dashboard, fetchedAt: clock.now)
        try await cache.write(cached, for: key, now: clock.now)
        return cached
    }

    /// Runs a Looker call and remembers whether Looker was reachable.
    private func track<T>(_ call: () async throws(LookerError) -> T) async throws(LookerError) -> T {
        do {
            let value = try await call()
            lastOutage.withLock { $0 = nil }
            return value
        } catch {
            if error.isUnavailable { lastOutage.withLock { $0 = error.description } }
            throw error
        }
    }
}
