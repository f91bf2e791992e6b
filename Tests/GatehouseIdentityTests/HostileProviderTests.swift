import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTesting
import Testing

@testable import GatehouseIdentity

/// Issue 25: the sandbox provider switched to lie in one way per test. Each lie is refused with a
/// message naming it, and nothing traps (a trap would end the whole test run).
@Suite("Sign-in against a hostile provider")
struct HostileProviderTests {
    /// Starts a device sign-in against `hostility`, approves it as alice, and returns how it ended.
    func deviceSignIn(_ harness: ProviderHarness, _ service: IdentityService, _ hostility: OIDCHostility) async throws -> Result<Principal, any Error>
    {
        harness.provider.behave(hostility)
        let challenge = try await service.startLogin(.device)
        try harness.provider.approveDevice(userCode: try #require(challenge.userCode), subject: "alice")
        do {
            return .success(try await harness.waitForLogin(service, challenge.id))
        } catch {
            return .failure(error)
        }
    }

    func failure(_ result: Result<Principal, any Error>) -> String {
        if case .failure(let error) = result { return "\(error)" }
        return "signed in"
    }

    // MARK: 1. numbers

    @Test func outOfRangeNumbersAreRefusedNamingTheField() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        var hostility = OIDCHostility()
        hostility.tokenResponse = ["expires_in": .double(1e300)]
        let lifetime = failure(try await deviceSignIn(harness, service, hostility))
        #expect(lifetime.contains("expires_in = 1e+300") && lifetime.contains("refused"), "\(lifetime)")

        hostility = OIDCHostility()
        hostility.idTokenClaims = ["exp": .double(1e19)]
        let exp = failure(try await deviceSignIn(harness, service, hostility))
        #expect(exp.contains("exp is 1e+19"), "\(exp)")

        hostility = OIDCHostility()
        hostility.deviceAuthorization = ["interval": .double(1e30)]
        harness.provider.behave(hostility)
        let interval = await #expect(throws: IdentityError.self) { try await service.startLogin(.device) }
        #expect(interval?.description.contains("interval = 1e+30") == true, "\(String(describing: interval))")
        #expect(service.currentPrincipal() == nil)

        // Within bounds, a large interval is only slowed to the documented 60 s, not refused.
        #expect(try UpstreamNumbers.interval(600) == 60)
        #expect(try UpstreamNumbers.lifetime(90 * 86_400, field: "expires_in") == UpstreamNumbers.maximumTokenLifetime)
    }

    @Test func aStoredExpiryThatCannotBeRealIsDroppedNotTrappedOn() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        // What a daemon before this fix stored from `expires_in: 1e300`, or a corrupted row.
        try await harness.store.writer.write { db in try db.execute(sql: "UPDATE identity_tokens SET expires_at = 1e19") }
        let restarted = try harness.service()
        try restarted.restore()
        let token = try await restarted.accessToken(for: .idpAccess)  // dropped, then refreshed
        #expect(token.expiresAt.timeIntervalSince(harness.clock.now) <= UpstreamNumbers.maximumTokenLifetime)
        #expect(OutsideNumbers.unixSeconds(Date(timeIntervalSince1970: 1e19)) == 253_402_300_799)
    }

    @Test func anUnreadableStoredSessionAsksToSignInAgainInsteadOfFailingEveryStart() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        _ = try await harness.signIn(try harness.service())
        try await harness.store.writer.write { db in try db.execute(sql: "UPDATE identity_session SET principal_sealed = x'00010203'") }
        let restarted = try harness.service()
        try restarted.restore()
        let status = try await restarted.status()
        #expect(!status.signedIn)
        #expect(status.lastError?.contains("gatehouse login") == true)
    }

    // MARK: 2. transport

    @Test func plainHTTPIssuersAndForeignSchemesAreRefusedBeforeAnyRequest() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        var insecure = harness.configuration
        insecure.issuer = "http://idp.corp.example"
        let refused = await #expect(throws: IdentityError.self) { try await harness.service(insecure).startLogin(.loopback) }
        #expect(refused == .insecureEndpoint(name: "identity.issuer", url: "http://idp.corp.example"))
        #expect(refused?.description.contains("identity.allow_insecure_http") == true)

        var hostility = OIDCHostility()
        hostility.discovery = ["authorization_endpoint": "file:///etc/passwd"]
        harness.provider.behave(hostility)
        let file = await #expect(throws: IdentityError.self) { try await harness.service().startLogin(.loopback) }
        #expect(file == .insecureEndpoint(name: "the announced authorization_endpoint", url: "file:///etc/passwd"))

        let strict = EndpointPolicy(allowInsecureHTTP: false)
        #expect(throws: IdentityError.self) { try strict.check("http://idp.corp.example/token", name: "x") }
        #expect(throws: IdentityError.self) { try strict.check("javascript:alert(1)", name: "x") }
        try strict.check("http://127.0.0.1:8080/token", name: "x")
        try strict.check("http://[::1]:8080/token", name: "x")
        try EndpointPolicy(allowInsecureHTTP: true).check("http://idp.corp.example/token", name: "x")
    }

    // MARK: 4, 7, 8. ID token and token answer rules

    @Test func azpAudiencesSubjectAndTokenTypeFollowOIDCCore() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        var hostility = OIDCHostility()
        hostility.idTokenClaims = ["aud": ["gatehouse", "other-client"], "azp": "other-client"]
        #expect(failure(try await deviceSignIn(harness, service, hostility)).contains("azp is other-client, expected gatehouse"))
        hostility.idTokenClaims = ["aud": ["gatehouse", "other-client"]]
        #expect(failure(try await deviceSignIn(harness, service, hostility)).contains("no azp"))
        hostility.idTokenClaims = ["sub": ""]
        #expect(failure(try await deviceSignIn(harness, service, hostility)).contains("sub claim is empty"))
        hostility = OIDCHostility()
        hostility.tokenResponse = ["token_type": "DPoP"]
        #expect(failure(try await deviceSignIn(harness, service, hostility)).contains("DPoP token"))
        #expect(service.currentPrincipal() == nil)
        // One audience with azp naming us is fine.
        hostility = OIDCHostility()
        hostility.idTokenClaims = ["aud": ["gatehouse"], "azp": "gatehouse"]
        #expect(try await deviceSignIn(harness, service, hostility).get().subject == "alice")
    }

    // MARK: 3. JWKS lifetime

    @Test func aKeyRemovedFromTheJWKSStopsVerifyingWithinItsLifetimeAndARotatedOneIsAccepted() async throws {
        let harness = try await ProviderHarness.start(options: .init(accessTokenLifetime: 7200, idTokenLifetime: 7200, deviceInterval: 5))
        defer { harness.stop() }
        var hostility = OIDCHostility()
        hostility.jwksCacheControl = "public, max-age=600"
        harness.provider.behave(hostility)
        let service = try harness.service()
        let alice = try await harness.signIn(service)
        let oldToken = try await service.accessToken(for: .idToken).value
        let fetches = harness.provider.requestCount[.jwks]
        harness.provider.rotateKeys()
        #expect(harness.provider.dropRetiredKeys() == 2)  // the old key is gone from the JWKS

        harness.clock.advance(by: 300)  // within the 600 s the JWKS answer allowed: the cached keys still apply
        _ = try await service.verifier.verify(oldToken, nonce: nil, now: harness.clock.now)
        #expect(harness.provider.requestCount[.jwks] == fetches)

        harness.clock.advance(by: 400)  // past it: fetched again, and the removed key no longer verifies
        let removed = await #expect(throws: IdentityError.self) { try await service.verifier.verify(oldToken, nonce: nil, now: harness.clock.now) }
        guard case .invalidIDToken(.unknownKeyID) = removed else {
            Issue.record("expected unknownKeyID, got \(String(describing: removed))")
            return
        }
        #expect(harness.provider.requestCount[.jwks] == fetches + 1)

        try await service.renew(.idToken, for: alice)  // a token signed with the rotated key is accepted
        let fresh = try await service.accessToken(for: .idToken).value
        #expect(fresh != oldToken)
        _ = try await service.verifier.verify(fresh, nonce: nil, now: harness.clock.now)

        // Logout clears the JWKS cache, in memory and stored.
        try await service.logout()
        #expect(try await harness.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_jwks") } == 0)
        _ = try await harness.signIn(service)
        #expect(harness.provider.requestCount[.jwks] == fetches + 2)
    }

    @Test func aSingleKeyWithoutKidIsUsed() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        var hostility = OIDCHostility()
        hostility.singleKeyWithoutKid = true
        let service = try harness.service()
        #expect(try await deviceSignIn(harness, service, hostility).get().subject == "alice")
        let jwks = try await harness.http.send(.get(harness.providerServer.url + "/jwks", upstream: "test"))
        #expect(!String(decoding: jwks.body, as: UTF8.self).contains("kid"))
    }

    @Test func jwksLifetimeFollowsCacheControlWithinBounds() {
        #expect(JWKSCache.lifetime(cacheControl: nil) == 3600)
        #expect(JWKSCache.lifetime(cacheControl: "public, max-age=600") == 600)
        #expect(JWKSCache.lifetime(cacheControl: "max-age=10") == 300)
        #expect(JWKSCache.lifetime(cacheControl: "max-age=99999999999999999999") == 86_400)
        #expect(JWKSCache.lifetime(cacheControl: "no-store") == 300)
    }

    // MARK: 6. terminal safety

    @Test func escapeSequencesInDeviceAnswersNeverReachTheChallenge() async throws {
        // A short device code: the sign-in that cannot be approved (its code was replaced) ends
        // before the provider stops, instead of polling a server that is going away.
        let harness = try await ProviderHarness.start(options: .init(deviceCodeLifetime: 20, deviceInterval: 5))
        defer { harness.stop() }
        let service = try harness.service()
        var hostility = OIDCHostility()
        hostility.deviceAuthorization = [
            "user_code": "\u{1B}[2J\u{1B}]8;;https://evil.example\u{07}WDJB-MJHT\u{1B}]8;;\u{07}\u{9B}31m",
            "verification_uri": "https://login.evil.example/device",
            "verification_uri_complete": .null,
        ]
        harness.provider.behave(hostility)
        let challenge = try await service.startLogin(.device)
        #expect(challenge.userCode == "WDJB-MJHT")
        #expect(challenge.warning?.contains("login.evil.example") == true)
        #expect(challenge.warning?.contains("127.0.0.1") == true)
        await #expect(throws: IdentityError.self) { try await harness.waitForLogin(service, challenge.id) }

        // A URL with an escape sequence in it is not a URL: refused, and the message is clean.
        hostility.deviceAuthorization = ["verification_uri": "https://127.0.0.1/\u{1B}]8;;https://evil.example\u{07}device"]
        harness.provider.behave(hostility)
        let refused = await #expect(throws: IdentityError.self) { try await service.startLogin(.device) }
        let message = refused?.description ?? ""
        #expect(message.contains("verification_uri") && !message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })

        let description = IdentityError.upstreamRejected(upstream: "idp", error: "access_denied", description: "\u{1B}[31mred\u{1B}[0m\u{202E}txt")
            .description
        #expect(description == "idp refused: access_denied (redtxt)")
    }

    // MARK: 9. refresh failures

    @Test func aRefusedRefreshBacksOffAndStaysVisible() async throws {
        let harness = try await ProviderHarness.start(options: .init(accessTokenLifetime: 3600, idTokenLifetime: 3600, deviceInterval: 5))
        defer { harness.stop() }
        let service = try harness.service()
        _ = try await harness.signIn(service)
        var hostility = OIDCHostility()
        hostility.refreshError = OAuthError("temporarily_unavailable", "try later \u{1B}[31mnow")
        harness.provider.behave(hostility)
        harness.provider.resetRequestCount()
        // Two hours in 10-second ticks: the refresher runs every tick, and a script asks for a token too.
        for _ in 0..<720 {
            harness.clock.advance(by: 10)
            await service.refreshDueTokens()
            _ = try? await service.accessToken(for: .idpAccess)
        }
        let refreshes = harness.provider.requestCount.refreshes
        // From the refresh point (2/3 of the hour, minus jitter) on: 5, 10, 20, 30 min apart, each up to a
        // quarter shorter: at most 6 calls in the two hours, 5 in the first hour of failures.
        #expect(refreshes >= 3 && refreshes <= 6, "\(refreshes) refresh calls in two hours")
        let status = try await service.status()
        #expect(status.signedIn && status.refreshFailures == refreshes)
        #expect(status.lastError?.contains("temporarily_unavailable") == true)
        #expect(status.lastError?.contains("\u{1B}") == false)
        #expect(status.nextRefreshAttempt != nil && status.summary.contains("refreshing fails"))

        // invalid_grant ends the session cleanly, and says what to do.
        hostility.refreshError = OAuthError("invalid_grant", "the refresh token was revoked")
        harness.provider.behave(hostility)
        harness.clock.advance(by: 3600)
        _ = try? await service.accessToken(for: .idpAccess)
        let ended = try await service.status()
        #expect(!ended.signedIn && service.currentPrincipal() == nil)
        #expect(ended.lastError?.contains("sign in again") == true)
        await #expect(throws: IdentityError.notSignedIn) { try await service.accessToken(for: .idpAccess) }
    }

    @Test func backoffDelaysGrowExponentiallyWithBoundedJitter() {
        #expect(RefreshBackoff.delay(afterFailures: 1, random: 0) == 300)
        #expect(RefreshBackoff.delay(afterFailures: 3, random: 0) == 1200)
        #expect(RefreshBackoff.delay(afterFailures: 50, random: 0) == 1800)
        #expect(RefreshBackoff.delay(afterFailures: 50, random: 1) == 1350)
    }

    @Test func anOversizedAnswerNamesTheRealLimitNotAnOutage() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let small = HTTPClient(configuration: .init(maxResponseBytes: 64 * 1024, retry: .none))
        let service = try IdentityService(
            configuration: harness.configuration, store: harness.store, http: small,
            keySource: .file(harness.directory + "/gatehouse.db.key"), clock: SandboxIdentityClock(harness.clock))
        var hostility = OIDCHostility()
        hostility.tokenResponsePadding = 200 * 1024
        let message = failure(try await deviceSignIn(harness, service, hostility))
        #expect(
            message.contains("larger than 65536 bytes") && !message.contains("unreachable") && !message.contains("maxResponseBytes"), "\(message)")
    }

    // MARK: 10. principal sealed

    @Test func thePrincipalsClaimsAreSealedAtRest() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let service = try harness.service()
        let alice = try await harness.signIn(service)
        try await harness.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let clear = try await harness.store.pool.read { db in try String.fetchOne(db, sql: "SELECT principal_json FROM identity_session") }
        #expect(clear == "")
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: harness.store.path + suffix) ?? Data() }
        #expect(bytes.range(of: Data("team-a".utf8)) == nil)  // alice's group
        #expect(bytes.range(of: Data("alice@example.com".utf8)) == nil)  // her email, also in each token's chain
        let status = try await service.status()
        #expect(status.tokens.contains { $0.chain.hasPrefix("alice@example.com") })
        let restarted = try harness.service()
        try restarted.restore()
        #expect(restarted.currentPrincipal() == alice)
    }

    /// A session stored before migration 0008 (claims in clear) is read, then sealed at start.
    @Test func aSessionFromBeforeSealingIsSealedAtStart() async throws {
        let harness = try await ProviderHarness.start()
        defer { harness.stop() }
        let alice = try await harness.signIn(try harness.service())
        let json = String(decoding: try JSONEncoder.canonical.encode(alice), as: UTF8.self)
        try await harness.store.writer.write { db in
            try db.execute(sql: "UPDATE identity_session SET principal_json = ?, principal_sealed = NULL", arguments: [json])
        }
        let restarted = try harness.service()
        try restarted.restore()
        #expect(restarted.currentPrincipal() == alice)
        var sealed = false
        for _ in 0..<200 where !sealed {
            sealed = try await harness.store.pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT principal_json = '' AND principal_sealed IS NOT NULL FROM identity_session") ?? false
            }
            if !sealed { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(sealed)
    }
}
