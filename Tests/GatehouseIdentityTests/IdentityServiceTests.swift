import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTesting
import Testing

@testable import GatehouseIdentity

@Suite("Identity service against the sandbox provider")
struct IdentityServiceTests {
    @Test func deviceFlowHonoursSlowDownAndSignsIn() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        // The second wait comes back 1 s early, so the provider answers slow_down to that poll.
        let clock = SandboxIdentityClock(harness.clock, shortfall: [1: 1])
        let service = try harness.service(clock: clock)
        let challenge = try await service.startLogin(.device)
        #expect(challenge.userCode != nil && challenge.url.hasSuffix("/device"))
        for _ in 0..<500 where clock.sleeps.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        try harness.provider.approveDevice(userCode: try #require(challenge.userCode), subject: "alice")
        let principal = try await harness.waitForLogin(service, challenge.id)
        #expect(principal.email == "alice@example.com" && principal.groups == ["team-a"])
        #expect(Array(clock.sleeps.prefix(3)) == [5, 5, 10])  // slow_down added 5 s
        #expect(service.currentPrincipal() == principal)
    }

    @Test func deviceFlowReportsDenialAndExpiry() async throws {
        let harness = try await ProviderHarness.start(options: .init(deviceCodeLifetime: 30, deviceInterval: 5))
        defer { harness.stop() }
        let service = try harness.service()
        let denied = try await service.startLogin(.device)
        try harness.provider.denyDevice(userCode: try #require(denied.userCode))
        await #expect(throws: IdentityError.self) { try await harness.waitForLogin(service, denied.id) }
        guard case .failed(let reason) = try service.loginStatus(id: denied.id) else {
            Issue.record("not failed")
            return
        }
        #expect(reason.contains("denied"))

        let expired = try await service.startLogin(.device)
        await #expect(throws: IdentityError.self) { try await harness.waitForLogin(service, expired.id) }
        guard case .failed(let why) = try service.loginStatus(id: expired.id) else {
            Issue.record("not failed")
            return
        }
        #expect(why.contains("expired"))
        #expect(service.currentPrincipal() == nil)
    }

    @Test func hundredConcurrentCallsCauseOneRefresh() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        let first = try await service.accessToken(for: .idpAccess)
        harness.clock.advance(by: 400)  // past the 300 s lifetime
        harness.provider.resetRequestCount()
        let tokens = try await withThrowingTaskGroup(of: IssuedToken.self) { group in
            for _ in 0..<100 { group.addTask { try await service.accessToken(for: .idpAccess) } }
            return try await group.reduce(into: [IssuedToken]()) { $0.append($1) }
        }
        #expect(harness.provider.requestCount.refreshes == 1)
        #expect(Set(tokens.map(\.value)).count == 1)
        #expect(tokens[0].value != first.value && tokens[0].expiresAt > harness.clock.now)
    }

    @Test func keyRotationCausesExactlyOneJWKSFetch() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        let fetchesAfterSignIn = harness.provider.requestCount[.jwks]
        harness.clock.advance(by: 400)
        _ = try await service.accessToken(for: .idToken)  // same key: no fetch
        #expect(harness.provider.requestCount[.jwks] == fetchesAfterSignIn)
        harness.provider.rotateKeys()
        harness.clock.advance(by: 400)
        _ = try await service.accessToken(for: .idToken)
        _ = try await service.accessToken(for: .idpAccess)
        #expect(harness.provider.requestCount[.jwks] == fetchesAfterSignIn + 1)
    }

    @Test func offlineIdPStillServesValidTokensAndSaysUntilWhen() async throws {
        let harness = try await ProviderHarness.start()
        let service = try harness.service()
        _ = try await harness.signIn(service)
        let cached = try await service.accessToken(for: .idpAccess)
        harness.providerServer.stop()
        try await Task.sleep(for: .milliseconds(100))
        harness.clock.advance(by: 250)  // past 2/3 of the lifetime, still valid
        await service.refreshDueTokens()
        #expect(try await service.accessToken(for: .idpAccess) == cached)
        let status = try await service.status()
        #expect(status.offline && status.summary.hasPrefix("offline, token valid until"))
        harness.clock.advance(by: 100)  // now expired: never handed out
        await #expect(throws: IdentityError.self) { try await service.accessToken(for: .idpAccess) }
        harness.stop()
    }

    @Test func stsExchangeAndImpersonationCarryTheChain() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        let google = try await service.accessToken(for: .google(scopes: []))
        #expect(google.chain == ["alice@example.com", "sts"])
        #expect(harness.sts.accessTokenInfo(google.value) != nil)  // what the sandbox Dataproc checks
        let again = try await service.accessToken(for: .google(scopes: []))
        #expect(again == google)  // cached by (principal, audience, scopes)
    }

    @Test func noSecretInTheDatabaseFile() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        let secrets = [
            try await service.accessToken(for: .idpAccess).value, try await service.accessToken(for: .idToken).value,
            try await service.accessToken(for: .google(scopes: [])).value,
            try #require(
                try await TokenStore(
                    store: harness.store, sealer: Sealer(key: try SealingKeySource.file(harness.directory + "/gatehouse.db.key").load())
                ).loadSession()?.refreshToken),
        ]
        try await harness.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: harness.store.path + suffix) ?? Data() }
        #expect(bytes.count > 0)
        for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil) }
        #expect(PrivateFiles.mode(of: harness.directory + "/gatehouse.db.key") == "0600")
    }
}
