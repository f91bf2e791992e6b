import Crypto
import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import GatehouseLooker
import GatehouseStore
import GatehouseTesting
import Synchronization

/// A clock the test moves by hand (cache ages and token lifetimes read it).
final class ManualClock: IdentityClock {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// An in-process sandbox, a fresh store, and the Looker client, cache and service over them.
struct LookerHarness: Sendable {
    let sandbox: Sandbox
    let store: Store
    let http: HTTPClient
    let clock: ManualClock
    let client: LookerClient
    let cache: DashboardCache
    let service: DashboardService

    static let alice = Principal(subject: "alice", issuer: "test", email: "alice@example.com", name: "Alice", groups: ["team-a"])

    static func start(
        clientID: String = "looker-admin-id", secret: String = "looker-admin-secret", freshFor: TimeInterval = 60, maxBytes: Int = 1 << 20
    ) async throws -> LookerHarness {
        let sandbox = try await Sandbox.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-looker-\(UUID().uuidString.prefix(8))")
        let store = try Store(path: directory.appendingPathComponent("gatehouse.db").path)
        // No retries and a lenient breaker, so a fault shows exactly where it is set.
        let http = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))
        let clock = ManualClock()
        let client = LookerClient(
            http: http, baseURL: sandbox.lookerURL.absoluteString, credentials: LookerAPICredentials(clientID: clientID, clientSecret: secret),
            clock: clock)
        let cache = DashboardCache(store: store, sealer: Sealer(key: SymmetricKey(size: .bits256)), maxBytes: maxBytes)
        let service = DashboardService(client: client, cache: cache, http: http, freshFor: freshFor, clock: clock)
        return LookerHarness(sandbox: sandbox, store: store, http: http, clock: clock, client: client, cache: cache, service: service)
    }

    /// Requests Looker received whose path contains `fragment`.
    func requests(_ fragment: String) -> Int {
        sandbox.requestLog.recent(upstream: .looker).filter { $0.path.contains(fragment) }.count
    }

    func stop() async {
        await service.waitForRefreshes()
        store.close()
        await sandbox.stop()
    }
}
