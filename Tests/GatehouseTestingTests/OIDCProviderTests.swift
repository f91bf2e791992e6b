import Foundation
import GatehouseCore
import GatehouseTesting
import JWTKit
import Testing

/// Starts a provider on a loopback server, with its issuer set to the server's URL.
func withOIDCProvider<T: Sendable>(
    clock: SandboxClock = .manual(),
    options: OIDCProviderOptions = .init(autoApproveSubject: "alice"),
    _ body: @Sendable (OIDCProviderSandbox, String, OIDCTestHTTP) async throws -> T
) async throws -> T {
    let provider = OIDCProviderSandbox(issuer: "http://127.0.0.1", clock: clock, users: OIDCFixture.users, options: options)
    return try await withOIDCTestServer(routes: { provider.addRoutes(to: $0) }) { base in
        provider.updateIssuer(base)
        return try await body(provider, base, OIDCTestHTTP())
    }
}

/// Verifies an ID token against a JWKS document with jwt-kit.
func verifyIDToken(_ token: String, jwks: Data) async throws -> OIDCIDTokenClaims {
    let keys = JWTKeyCollection()
    try await keys.add(jwksJSON: String(decoding: jwks, as: UTF8.self))
    return try await keys.verify(token, as: OIDCIDTokenClaims.self)
}

/// The decoded JOSE header of a compact JWT.
func jwtHeader(_ token: String) throws -> JSONValue {
    let first = try #require(token.split(separator: ".").first)
    var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return try JSONDecoder().decode(JSONValue.self, from: try #require(Data(base64Encoded: base64)))
}

@Suite("OIDC provider sandbox")
struct OIDCProviderTests {
    @Test("discovery names every endpoint under the exact issuer")
    func discovery() async throws {
        try await withOIDCProvider { provider, base, http in
            let response = try await http.get(base + "/.well-known/openid-configuration")
            #expect(response.status == 200)
            let document = response.json
            #expect(document["issuer"]?.stringValue == base)
            for (field, path) in [
                ("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"), ("jwks_uri", "/jwks"),
                ("userinfo_endpoint", "/userinfo"), ("device_authorization_endpoint", "/device_authorization"),
                ("revocation_endpoint", "/revoke"), ("end_session_endpoint", "/logout"),
            ] {
                #expect(document[field]?.stringValue == base + path, "\(field)")
            }
            #expect(document["response_types_supported"] == ["code"])
            #expect(document["id_token_signing_alg_values_supported"] == ["RS256", "ES256"])
            #expect(document["code_challenge_methods_supported"] == ["S256"])
            #expect(document["subject_types_supported"]?.arrayValue?.isEmpty == false)
            let grants = document["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(grants) == ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"])
            let auth = document["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(auth) == ["none", "client_secret_basic", "client_secret_post"])
            #expect(document["claims_supported"]?.arrayValue?.contains("groups") == true)
            #expect(provider.requestCount[.discovery] == 1)

            let jwks = try await http.get(base + "/jwks").json
            let keys = jwks["keys"]?.arrayValue ?? []
            #expect(Set(keys.compactMap { $0["alg"]?.stringValue }) == ["RS256", "ES256"])
            #expect(keys.allSatisfy { $0["use"] == "sig" && $0["kid"]?.stringValue?.isEmpty == false })
            let rsa = try #require(keys.first { $0["kty"] == "RSA" })
            // A 2048-bit modulus is 256 bytes: 342 base64url characters.
            #expect(rsa["n"]?.stringValue?.count == 342)
        }
    }

    @Test("authorization code with PKCE: tokens, userinfo, wrong verifier and code reuse rejected")
    func codeFlowWithPKCE() async throws {
        try await withOIDCProvider { provider, base, http in
            let redirect = try await OIDCFixture.authorize(http, base)
            #expect(redirect["state"] == "xyz")
            let code = try #require(redirect["code"])

            let tokens = try await OIDCFixture.redeem(http, base, code: code)
            #expect(tokens.status == 200)
            #expect(tokens["token_type"] == "Bearer")
            #expect(tokens.json["expires_in"]?.intValue == 300)
            #expect(tokens["scope"] == "openid email profile")
            #expect(tokens["refresh_token"] != nil)
            let accessToken = try #require(tokens["access_token"])
            let idToken = try #require(tokens["id_token"])
            let claims = try await verifyIDToken(idToken, jwks: provider.jwksJSON)
            #expect(claims.nonce == "n-0S6_WzA2Mj")

            let info = try await http.get(base + "/userinfo", headers: [("Authorization", "Bearer \(accessToken)")])
            #expect(info.status == 200)
            #expect(info["sub"] == "alice")
            #expect(info.json["groups"] == ["team-a", "data-eng"])

            // Reusing a redeemed code fails and revokes what its first use produced.
            let replay = try await OIDCFixture.redeem(http, base, code: code)
            #expect(replay.status == 400)
            #expect(replay["error"] == "invalid_grant")
            let afterReplay = try await http.get(base + "/userinfo", headers: [("Authorization", "Bearer \(accessToken)")])
            #expect(afterReplay.status == 401)

            let second = try #require(try await OIDCFixture.authorize(http, base)["code"])
            let wrongVerifier = try await OIDCFixture.redeem(
                http, base, code: second, verifier: "wrong-verifier-wrong-verifier-wrong-verifier-0123")
            #expect(wrongVerifier.status == 400)
            #expect(wrongVerifier["error"] == "invalid_grant")
            // The failed attempt spent the code.
            #expect(try await OIDCFixture.redeem(http, base, code: second)["error"] == "invalid_grant")
        }
    }

    @Test("authorize refuses plain PKCE, a missing challenge and non-loopback redirects")
    func authorizeValidation() async throws {
        try await withOIDCProvider { _, base, http in
            let plain = try await OIDCFixture.authorize(http, base, challenge: OIDCFixture.verifier, method: "plain")
            #expect(plain["error"] == "invalid_request")
            #expect(plain["code"] == nil)
            #expect(plain["state"] == "xyz")
            let missing = try await OIDCFixture.authorize(http, base, challenge: nil)
            #expect(missing["error"] == "invalid_request")

            let foreign = try await http.get(
                base + "/authorize?response_type=code&client_id=gatehouse&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
                    + "&code_challenge=\(OIDCFixture.challenge())&code_challenge_method=S256")
            #expect(foreign.status == 400)
            #expect(foreign.location == nil)
        }
    }

    @Test("a code expires after 60 s on the sandbox clock")
    func codeExpiry() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock) { _, base, http in
            let code = try #require(try await OIDCFixture.authorize(http, base)["code"])
            clock.advance(by: 61)
            let late = try await OIDCFixture.redeem(http, base, code: code)
            #expect(late["error"] == "invalid_grant")
        }
    }

    @Test("refresh tokens rotate; reusing an old one revokes the whole family")
    func refreshRotation() async throws {
        try await withOIDCProvider { provider, base, http in
            let first = try await OIDCFixture.signIn(http, base)
            let original = try #require(first["refresh_token"])
            let refresh = { (token: String) in
                try await http.postForm(base + "/token", [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "gatehouse")])
            }

            let rotated = try await refresh(original)
            #expect(rotated.status == 200)
            let next = try #require(rotated["refresh_token"])
            #expect(next != original)
            #expect(rotated["id_token"] != nil)
            let nextAccess = try #require(rotated["access_token"])

            let reuse = try await refresh(original)
            #expect(reuse.status == 400)
            #expect(reuse["error"] == "invalid_grant")
            // Reuse signals theft: the legitimate newest tokens die too.
            #expect(try await refresh(next)["error"] == "invalid_grant")
            let info = try await http.get(base + "/userinfo", headers: [("Authorization", "Bearer \(nextAccess)")])
            #expect(info.status == 401)
            #expect(provider.requestCount.refreshes == 3)
            #expect(provider.requestCount[.token] == 4)
        }
    }

    @Test("ID token verifies with jwt-kit, carries groups; rotation keeps old tokens verifiable until dropped")
    func idTokenAndKeyRotation() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock) { provider, base, http in
            let oldToken = try #require(try await OIDCFixture.signIn(http, base)["id_token"])
            let header = try jwtHeader(oldToken)
            #expect(header["alg"] == "RS256")
            let oldKid = try #require(header["kid"]?.stringValue)
            #expect(oldKid == provider.currentKeyID)

            let claims = try await verifyIDToken(oldToken, jwks: try await http.get(base + "/jwks").body)
            #expect(claims.iss.value == base)
            #expect(claims.sub.value == "alice")
            #expect(claims.aud.value == ["gatehouse"])
            #expect(claims.email == "alice@example.com")
            #expect(claims.email_verified)
            #expect(claims.groups == ["team-a", "data-eng"])
            #expect(claims.iat.value == clock.now)
            #expect(claims.exp.value == clock.now.addingTimeInterval(300))

            provider.rotateKeys()
            let newToken = try #require(try await OIDCFixture.signIn(http, base)["id_token"])
            let newKid = try #require(try jwtHeader(newToken)["kid"]?.stringValue)
            #expect(newKid != oldKid)
            let rotatedJWKS = try await http.get(base + "/jwks").body
            _ = try await verifyIDToken(oldToken, jwks: rotatedJWKS)
            _ = try await verifyIDToken(newToken, jwks: rotatedJWKS)

            #expect(provider.dropRetiredKeys() == 2)
            let droppedJWKS = try await http.get(base + "/jwks").body
            await #expect(throws: (any Error).self) { try await verifyIDToken(oldToken, jwks: droppedJWKS) }
            _ = try await verifyIDToken(newToken, jwks: droppedJWKS)
        }
    }

    @Test("ES256 providers sign with P-256 keys")
    func es256() async throws {
        try await withOIDCProvider(options: .init(signingAlgorithm: .es256, autoApproveSubject: "bob")) { provider, base, http in
            let token = try #require(try await OIDCFixture.signIn(http, base)["id_token"])
            #expect(try jwtHeader(token)["alg"] == "ES256")
            let claims = try await verifyIDToken(token, jwks: provider.jwksJSON)
            #expect(claims.sub.value == "bob")
            #expect(claims.groups == ["team-b"])
        }
    }

    @Test("access tokens expire on the sandbox clock and can be revoked")
    func expiryAndRevocation() async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock) { provider, base, http in
            let tokens = try await OIDCFixture.signIn(http, base)
            let access = try #require(tokens["access_token"])
            #expect(provider.userInfo(accessToken: access)?.subject == "alice")
            clock.advance(by: 301)
            #expect(provider.userInfo(accessToken: access) == nil)

            let refreshed = try await http.postForm(
                base + "/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", try #require(tokens["refresh_token"])), ("client_id", "gatehouse"),
                ])
            let refresh = try #require(refreshed["refresh_token"])
            let revoked = try await http.postForm(base + "/revoke", [("token", refresh), ("client_id", "gatehouse")])
            #expect(revoked.status == 200)
            let after = try await http.postForm(
                base + "/token",
                [
                    ("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "gatehouse"),
                ])
            #expect(after["error"] == "invalid_grant")
            #expect(provider.userInfo(accessToken: try #require(refreshed["access_token"])) == nil)
            // RFC 7009: unknown tokens are answered 200 as well.
            #expect(try await http.postForm(base + "/revoke", [("token", "nope"), ("client_id", "gatehouse")]).status == 200)
        }
    }

    @Test("confidential clients authenticate with Basic or form secrets")
    func confidentialClient() async throws {
        let options = OIDCProviderOptions(autoApproveSubject: "alice", clients: ["gatehouse": nil, "looker": "s3cret"])
        try await withOIDCProvider(options: options) { _, base, http in
            let authorize = try await http.get(
                base + "/authorize?response_type=code&client_id=looker&redirect_uri=\(OIDCFixture.redirectURI)&scope=openid&state=s")
            let code = try #require(OIDCFixture.query(of: authorize.location)["code"])
            let fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OIDCFixture.redirectURI)]
            let wrong = try await http.postForm(
                base + "/token", fields, headers: [("Authorization", "Basic " + Data("looker:nope".utf8).base64EncodedString())])
            #expect(wrong.status == 401)
            #expect(wrong["error"] == "invalid_client")
            #expect(!String(decoding: wrong.body, as: UTF8.self).contains("s3cret"))

            let code2 = try #require(
                OIDCFixture.query(
                    of: try await http.get(
                        base + "/authorize?response_type=code&client_id=looker&redirect_uri=\(OIDCFixture.redirectURI)&scope=openid"
                    ).location)["code"])
            let basic = try await http.postForm(
                base + "/token", [("grant_type", "authorization_code"), ("code", code2), ("redirect_uri", OIDCFixture.redirectURI)],
                headers: [("Authorization", "Basic " + Data("looker:s3cret".utf8).base64EncodedString())])
            #expect(basic.status == 200)
            let unknown = try await http.postForm(base + "/token", [("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "who")])
            #expect(unknown.status == 401)
        }
    }

    @Test("without auto-approval the consent form approves as the chosen user")
    func consentForm() async throws {
        try await withOIDCProvider(options: .init()) { _, base, http in
            let query =
                "response_type=code&client_id=gatehouse&redirect_uri=\(OIDCFixture.redirectURI)&scope=openid"
                + "&state=st&code_challenge=\(OIDCFixture.challenge())&code_challenge_method=S256"
            let form = try await http.get(base + "/authorize?" + query)
            #expect(form.status == 200)
            #expect(String(decoding: form.body, as: UTF8.self).contains("name=\"sub\""))

            let approved = try await http.postForm(
                base + "/authorize",
                [
                    ("response_type", "code"), ("client_id", "gatehouse"), ("redirect_uri", OIDCFixture.redirectURI),
                    ("scope", "openid"), ("state", "st"), ("code_challenge", OIDCFixture.challenge()),
                    ("code_challenge_method", "S256"), ("sub", "bob"), ("action", "approve"),
                ])
            #expect(approved.status == 302)
            let code = try #require(OIDCFixture.query(of: approved.location)["code"])
            let tokens = try await OIDCFixture.redeem(http, base, code: code)
            let info = try await http.get(base + "/userinfo", headers: [("Authorization", "Bearer \(try #require(tokens["access_token"]))")])
            #expect(info["sub"] == "bob")
        }
    }
}
