import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import GatehouseTesting
import Hummingbird
import Logging
import Synchronization
import Testing

/// A clock that shares the sandbox's time: sleeping advances the sandbox clock (after a real
/// 10 ms pause so background tasks interleave), and every requested sleep is recorded.
final class SandboxIdentityClock: IdentityClock {
    let sandbox: SandboxClock
    /// Seconds to advance less than asked on the Nth sleep (to make a poll arrive early).
    let shortfall: [Int: TimeInterval]
    private let recorded = Mutex<[Double]>([])

    init(_ sandbox: SandboxClock, shortfall: [Int: TimeInterval] = [:]) {
        self.sandbox = sandbox
        self.shortfall = shortfall
    }

    var now: Date { sandbox.now }
    var sleeps: [Double] { recorded.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let index = recorded.withLock {
            $0.append(seconds)
            return $0.count - 1
        }
        try await Task.sleep(for: .milliseconds(10))
        sandbox.advance(by: seconds - (shortfall[index] ?? 0))
    }
}

/// A Hummingbird server on 127.0.0.1:0 serving `routes`, stopped by `stop()`.
final class LoopbackServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    static func start(_ routes: (Router<BasicRequestContext>) -> Void) async throws -> LoopbackServer {
        let router = Router()
        routes(router)
        var logger = Logger(label: "identity-test-server")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return LoopbackServer(port: port, task: task)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() { task.cancel() }
}

/// A sandbox OIDC provider (and an STS trusting it) on loopback servers, plus a fresh store.
struct ProviderHarness {
    let clock: SandboxClock
    let provider: OIDCProviderSandbox
    let sts: STSSandbox
    let providerServer: LoopbackServer
    let stsServer: LoopbackServer
    let directory: String
    let store: Store
    let http = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))
    static let workloadAudience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x"

    static func start(options: OIDCProviderOptions = .init(deviceInterval: 5), clock: SandboxClock = .manual()) async throws -> ProviderHarness {
        let provider = OIDCProviderSandbox(issuer: "http://127.0.0.1", clock: clock, users: SandboxUser.demoUsers, options: options)
        let providerServer = try await LoopbackServer.start { provider.addRoutes(to: $0) }
        provider.updateIssuer(providerServer.url)
        let sts = STSSandbox(
            clock: clock,
            trustedIssuers: [
                TrustedIssuer(provider: provider, audience: workloadAudience, allowedAudiences: [workloadAudience, "gatehouse"])
            ])
        let stsServer = try await LoopbackServer.start { router in
            sts.addRoutes(to: router)
            sts.addIAMCredentialsRoutes(to: router)
        }
        let directory = NSTemporaryDirectory() + "gatehouse-identity-" + UUID().uuidString
        let store = try Store(path: directory + "/gatehouse.db")
        return ProviderHarness(
            clock: clock, provider: provider, sts: sts, providerServer: providerServer, stsServer: stsServer, directory: directory,
            store: store)
    }

    var configuration: IdentityConfiguration {
        IdentityConfiguration(
            issuer: provider.issuer, clientID: "gatehouse", workloadIdentityAudience: Self.workloadAudience,
            stsURL: stsServer.url + "/v1/token", iamCredentialsURL: stsServer.url)
    }

    func service(_ configuration: IdentityConfiguration? = nil, clock: (any IdentityClock)? = nil) throws -> IdentityService {
        try IdentityService(
            configuration: configuration ?? self.configuration, store: store, http: http,
            keySource: .file(directory + "/gatehouse.db.key"), clock: clock ?? SandboxIdentityClock(self.clock))
    }

    /// Signs alice in through the device flow, approving at once.
    func signIn(_ service: IdentityService) async throws -> Principal {
        let challenge = try await service.startLogin(.device)
        try provider.approveDevice(userCode: try #require(challenge.userCode), subject: "alice")
        return try await waitForLogin(service, challenge.id)
    }

    func waitForLogin(_ service: IdentityService, _ id: String) async throws -> Principal {
        for _ in 0..<1000 {
            switch try service.loginStatus(id: id) {
            case .pending: try await Task.sleep(for: .milliseconds(10))
            case .signedIn(let principal): return principal
            case .failed(let reason): throw IdentityError.loginFailed(reason)
            }
        }
        throw IdentityError.loginFailed("test: sign-in did not finish")
    }

    func stop() {
        store.close()
        providerServer.stop()
        stsServer.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
