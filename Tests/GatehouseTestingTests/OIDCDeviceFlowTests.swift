import Foundation
import GatehouseCore
import GatehouseTesting
import JWTKit
import Testing

@Suite("OIDC provider sandbox: device flow (RFC 8628)")
struct OIDCDeviceFlowTests {
    static let options = OIDCProviderOptions(deviceInterval: 1)

    static func start(_ http: OIDCTestHTTP, _ base: String) async throws -> OIDCTestResponse {
        let response = try await http.postForm(base + "/device_authorization", [("client_id", "gatehouse"), ("scope", "openid email groups")])
        #expect(response.status == 200)
        return response
    }

    static func poll(_ http: OIDCTestHTTP, _ base: String, _ deviceCode: String) async throws -> OIDCTestResponse {
        try await http.postForm(
            base + "/token",
            [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", "gatehouse"),
            ])
    }

    @Test("pending, slow_down, approval on the verification page, then tokens")
    func approveFlow() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock, options: Self.options) { provider, base, http in
            let device = try await Self.start(http, base)
            let deviceCode = try #require(device["device_code"])
            let userCode = try #require(device["user_code"])
            #expect(userCode.wholeMatch(of: /[A-Z]{4}-[A-Z]{4}/) != nil)
            #expect(device["verification_uri"] == base + "/device")
            #expect(device["verification_uri_complete"] == base + "/device?user_code=" + userCode)
            #expect(device.json["expires_in"]?.intValue == 600)
            #expect(device.json["interval"]?.intValue == 1)

            let pending = try await Self.poll(http, base, deviceCode)
            #expect(pending.status == 400)
            #expect(pending["error"] == "authorization_pending")
            // Same instant on the clock: faster than the 1 s interval.
            let slow = try await Self.poll(http, base, deviceCode)
            #expect(slow["error"] == "slow_down")
            // The interval is now 6 s: waiting 5 s is still too fast.
            clock.advance(by: 5)
            #expect(try await Self.poll(http, base, deviceCode)["error"] == "slow_down")
            clock.advance(by: 11)
            #expect(try await Self.poll(http, base, deviceCode)["error"] == "authorization_pending")

            let page = try await http.get(try #require(device["verification_uri_complete"]))
            #expect(page.status == 200)
            #expect(String(decoding: page.body, as: UTF8.self).contains(userCode))
            let approved = try await http.postForm(
                base + "/device",
                [
                    ("user_code", userCode.lowercased().replacingOccurrences(of: "-", with: "")), ("sub", "alice"), ("action", "approve"),
                ])
            #expect(approved.status == 200)

            clock.advance(by: 11)
            let tokens = try await Self.poll(http, base, deviceCode)
            #expect(tokens.status == 200)
            #expect(tokens["scope"] == "openid email groups")
            let claims = try await verifyIDToken(try #require(tokens["id_token"]), jwks: provider.jwksJSON)
            #expect(claims.sub.value == "alice")
            #expect(claims.groups == ["team-a", "data-eng"])

            clock.advance(by: 11)
            #expect(try await Self.poll(http, base, deviceCode)["error"] == "invalid_grant")
            #expect(provider.requestCount.grants["urn:ietf:params:oauth:grant-type:device_code"] == 6)
        }
    }

    @Test("an unapproved device code expires")
    func expiry() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock, options: Self.options) { provider, base, http in
            let device = try await Self.start(http, base)
            clock.advance(by: 601)
            let expired = try await Self.poll(http, base, try #require(device["device_code"]))
            #expect(expired["error"] == "expired_token")
            let userCode = try #require(device["user_code"])
            #expect(throws: OIDCProviderError.deviceCodeExpired(userCode)) {
                try provider.approveDevice(userCode: userCode, subject: "alice")
            }
        }
    }

    @Test("a denied device code answers access_denied; admin helpers check their input")
    func denial() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock, options: Self.options) { provider, base, http in
            let device = try await Self.start(http, base)
            let userCode = try #require(device["user_code"])
            #expect(throws: OIDCProviderError.unknownSubject("mallory")) {
                try provider.approveDevice(userCode: userCode, subject: "mallory")
            }
            #expect(throws: OIDCProviderError.unknownUserCode("ZZZZ-ZZZZ")) {
                try provider.approveDevice(userCode: "ZZZZ-ZZZZ", subject: "alice")
            }
            try provider.denyDevice(userCode: userCode)
            #expect(throws: OIDCProviderError.deviceAlreadyDecided(userCode)) {
                try provider.approveDevice(userCode: userCode, subject: "alice")
            }
            let denied = try await Self.poll(http, base, try #require(device["device_code"]))
            #expect(denied["error"] == "access_denied")
        }
    }

    @Test("admin approval and revokeTokens(subject:) sign a user out")
    func adminApprovalAndRevocation() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock, options: Self.options) { provider, base, http in
            let device = try await Self.start(http, base)
            try provider.approveDevice(userCode: try #require(device["user_code"]), subject: "bob")
            let tokens = try await Self.poll(http, base, try #require(device["device_code"]))
            let access = try #require(tokens["access_token"])
            #expect(provider.userInfo(accessToken: access)?.subject == "bob")
            provider.revokeTokens(subject: "bob")
            #expect(provider.userInfo(accessToken: access) == nil)
            let refresh = try await http.postForm(
                base + "/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", try #require(tokens["refresh_token"])), ("client_id", "gatehouse"),
                ])
            #expect(refresh["error"] == "invalid_grant")
        }
    }
}
