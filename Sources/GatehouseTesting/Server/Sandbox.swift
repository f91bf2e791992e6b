import Foundation
import GatehouseCore
import Hummingbird
import Logging

/// Every upstream stand-in, each on its own loopback port, plus the admin API.
///
/// ```swift
/// let sandbox = try await Sandbox.start()          // ephemeral ports, real clock, the demo world
/// // point clients at sandbox.backstageURL, sandbox.lookerURL, sandbox.dataprocURL, …
/// await sandbox.stop()                             // before the test ends, whether it passed or threw
/// ```
public final class Sandbox: Sendable {
    /// The shared clock.
    public let clock: SandboxClock
    /// The faults currently set.
    public let faults: FaultBoard
    /// Recent requests of every upstream.
    public let requestLog: RequestLog
    /// Tokens minted through the admin API.
    public let tokens: SandboxTokenRegistry
    /// The Backstage catalog.
    public let backstage: BackstageCatalogSandbox
    /// Looker.
    public let looker: LookerSandbox
    /// Dataproc.
    public let dataproc: DataprocSandbox
    /// The OIDC provider.
    public let oidc: OIDCProviderSandbox
    /// STS and IAM Credentials.
    public let sts: STSSandbox
    /// Every route each upstream serves, as its router lists them.
    public let routes: [SandboxRoute]
    private let servers: [SandboxUpstream: UpstreamServer]
    private let host: String

    private init(
        clock: SandboxClock, faults: FaultBoard, requestLog: RequestLog, tokens: SandboxTokenRegistry, backstage: BackstageCatalogSandbox,
        looker: LookerSandbox, dataproc: DataprocSandbox, oidc: OIDCProviderSandbox, sts: STSSandbox, routes: [SandboxRoute],
        servers: [SandboxUpstream: UpstreamServer], host: String
    ) {
        self.clock = clock
        self.faults = faults
        self.requestLog = requestLog
        self.tokens = tokens
        self.backstage = backstage
        self.looker = looker
        self.dataproc = dataproc
        self.oidc = oidc
        self.sts = sts
        self.routes = routes
        self.servers = servers
        self.host = host
    }

    /// Starts every upstream and the admin API; returns once all are listening.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) async throws -> Sandbox {
        var logger = Logger(label: "gatehouse.sandbox")
        // Hummingbird logs cancelled accept loops as errors on every stop; real failures are thrown instead.
        logger.logLevel = .critical
        let clock = SandboxClock(mode: configuration.clockMode)
        let faults = FaultBoard()
        let log = RequestLog()
        let tokens = SandboxTokenRegistry()
        let fixtures = try SandboxFixtures.locate(explicit: configuration.fixturesDirectory)
        let seed = configuration.seed
        var users = configuration.users
        for user in seed?.users ?? [] {
            users.removeAll { $0.subject == user.subject }
            users.append(user)
        }
        let recorder = try configuration.exchangeLog.map { try ExchangeRecorder(path: $0) } ?? ExchangeRecorder.fromEnvironment()
        var servers: [SandboxUpstream: UpstreamServer] = [:]
        var routes: [SandboxRoute] = []
        func makeServer(
            _ upstream: SandboxUpstream, onTokensExpired: @escaping @Sendable () -> Void = {}, register: (Router<SandboxRequestContext>) -> Void
        ) -> UpstreamServer {
            let router = Router(context: SandboxRequestContext.self)
            if upstream != .admin {
                router.add(
                    middleware: UpstreamMiddleware(
                        upstream: upstream, faults: faults, log: log, clock: clock, onTokensExpired: onTokensExpired, recorder: recorder))
            } else {
                router.add(middleware: AdminErrorMiddleware())
            }
            register(router)
            routes.append(contentsOf: router.routes.map { SandboxRoute(upstream: upstream, method: $0.method.rawValue, path: $0.path.description) })
            let server = UpstreamServer(
                upstream: upstream, host: configuration.host, port: configuration.port(for: upstream), router: router, logger: logger)
            servers[upstream] = server
            return server
        }

        // The OIDC listener starts first: its URL is the issuer the STS must trust.
        var oidcOptions = OIDCProviderOptions()
        var stsOptions = STSOptions(impersonation: configuration.serviceAccounts)
        if let lifetime = configuration.tokenLifetime {
            (oidcOptions.accessTokenLifetime, oidcOptions.idTokenLifetime, stsOptions.accessTokenLifetime) = (lifetime, lifetime, lifetime)
        }
        let oidc = OIDCProviderSandbox(issuer: "http://\(configuration.host)", clock: clock, users: users, options: oidcOptions)
        let oidcServer = makeServer(.oidc) { oidc.addRoutes(to: $0) }
        let oidcPort = try await oidcServer.start()
        oidc.updateIssuer("http://\(configuration.host):\(oidcPort)")
        let sts = STSSandbox(
            clock: clock,
            trustedIssuers: [
                TrustedIssuer(
                    provider: oidc, audience: configuration.workloadProviderAudience,
                    allowedAudiences: [configuration.workloadProviderAudience, "https:" + configuration.workloadProviderAudience, "gatehouse"])
            ], options: stsOptions)
        _ = makeServer(.sts) { sts.addRoutes(to: $0) }
        _ = makeServer(.iamcredentials) { sts.addIAMCredentialsRoutes(to: $0) }

        var entities: [JSONValue] = []
        if configuration.includeExamples {
            entities += try DemoWorld.entities()
        }
        entities += seed?.backstageEntities ?? []
        entities += SyntheticCatalog(count: configuration.syntheticEntities, groupDepth: configuration.syntheticGroupDepth).entities()
        let backstage = BackstageCatalogSandbox(
            entities: entities, token: seed?.backstageToken ?? configuration.backstageToken,
            spec: fixtures.spec(named: "backstage-catalog-openapi.yaml"), faults: faults)
        _ = makeServer(.backstage) { backstage.addRoutes(to: $0) }

        let looker = LookerSandbox(clock: clock, users: users, spec: fixtures.spec(named: "Looker.4.0.oas.json"))
        _ = makeServer(.looker, onTokensExpired: { looker.expireAllSessions() }) { looker.addRoutes(to: $0) }

        let dataproc = DataprocSandbox(
            clock: clock, discovery: fixtures.spec(named: "google-dataproc.v1.json"), stepSeconds: configuration.dataprocStepSeconds,
            spark: configuration.spark, authorize: { token in tokens.lookup(token) ?? sts.accessTokenInfo(token) })
        _ = makeServer(.dataproc) { dataproc.addRoutes(to: $0) }
        _ = makeServer(.storage) { CloudStorageSandbox(dataproc: dataproc).addRoutes(to: $0) }

        let admin = SandboxAdminAPI()
        let adminServer = makeServer(.admin) { admin.addRoutes(to: $0) }

        let sandbox = Sandbox(
            clock: clock, faults: faults, requestLog: log, tokens: tokens, backstage: backstage, looker: looker, dataproc: dataproc,
            oidc: oidc, sts: sts, routes: routes, servers: servers, host: configuration.host)
        admin.attach(sandbox)
        recorder?.record(routes: routes)
        do {
            for upstream in SandboxUpstream.allCases where upstream != .oidc {
                try await servers[upstream]?.start()
            }
            for (upstream, fault) in configuration.faults { try await sandbox.setFault(fault, on: upstream) }
        } catch {
            await sandbox.stop()
            throw error
        }
        _ = adminServer
        return sandbox
    }

    /// Stops every listener.
    public func stop() async {
        for server in servers.values { await server.stop() }
        dataproc.spark?.stopAll()
    }

    /// Runs until the calling task is cancelled, then stops every listener.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await stop()
    }

    // MARK: URLs

    /// `http://host:port` of an upstream.
    public func url(of upstream: SandboxUpstream) -> URL {
        URL(string: "http://\(host):\(servers[upstream]?.port ?? 0)")!
    }

    /// Backstage base (the API is under `/api/catalog`).
    public var backstageURL: URL { url(of: .backstage) }
    /// Looker base (the API is under `/api/4.0`).
    public var lookerURL: URL { url(of: .looker) }
    /// Dataproc root (paths start with `/v1/projects/...`).
    public var dataprocURL: URL { url(of: .dataproc) }
    /// STS root (`/v1/token`).
    public var stsURL: URL { url(of: .sts) }
    /// IAM Credentials root (`/v1/projects/-/serviceAccounts/...`).
    public var iamCredentialsURL: URL { url(of: .iamcredentials) }
    /// The OIDC issuer (discovery at `/.well-known/openid-configuration`).
    public var oidcIssuerURL: URL { url(of: .oidc) }
    /// The admin API root (`/admin/...`).
    public var adminURL: URL { url(of: .admin) }

    /// Every URL by upstream name, as printed at start and written to `--ports-file`.
    public var urls: [String: String] {
        Dictionary(uniqueKeysWithValues: SandboxUpstream.allCases.map { ($0.rawValue, url(of: $0).absoluteString) })
    }

    // MARK: Faults and state

    /// Sets a fault; `down` closes the upstream's listener so connections are refused.
    public func setFault(_ fault: SandboxFault, on upstream: SandboxUpstream) async throws {
        faults.set(fault, on: upstream)
        if fault.kind == .down { await servers[upstream]?.stop() }
    }

    /// Clears faults of one upstream (one kind, or all); a downed listener starts again on its port.
    public func clearFaults(on upstream: SandboxUpstream, kind: SandboxFault.Kind? = nil) async throws {
        faults.clear(upstream, kind: kind)
        if faults.peek(.down, on: upstream) == nil, let server = servers[upstream], !server.isRunning {
            try await server.start()
        }
    }

    /// Clears every fault, forgets jobs, clusters, operations, sessions, minted tokens and the request log.
    public func reset() async throws {
        for upstream in SandboxUpstream.faultable { try await clearFaults(on: upstream) }
        dataproc.reset()
        looker.expireAllSessions()
        tokens.revokeAll()
        requestLog.clear()
    }

    /// Mints an access token Dataproc accepts (cloud-platform scope by default).
    public func issueAccessToken(
        subject: String = "alice", email: String = "alice@example.com", scopes: [String] = [SandboxAccessToken.cloudPlatformScope],
        lifetime: TimeInterval = 3600
    ) -> SandboxAccessToken {
        tokens.issue(subject: subject, email: email, scopes: scopes, expiresAt: clock.now.addingTimeInterval(lifetime))
    }
}
