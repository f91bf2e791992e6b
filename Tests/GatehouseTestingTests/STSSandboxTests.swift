import Foundation
import GatehouseCore
import GatehouseTesting
import Testing

/// An OIDC provider and, on a second loopback server, an STS that trusts it (JWKS fetched over HTTP).
struct STSHarness: Sendable {
    static let audience = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gatehouse/providers/sandbox"
    static let runner = "dataproc-runner@demo.iam.gserviceaccount.com"
    static let cloudPlatform = "https://www.googleapis.com/auth/cloud-platform"

    let clock: SandboxClock
    let provider: OIDCProviderSandbox
    let sts: STSSandbox
    let idpBase: String
    let stsBase: String
    let http: OIDCTestHTTP

    static func run(
        providerOptions: OIDCProviderOptions = .init(autoApproveSubject: "alice"),
        trust: @escaping @Sendable (_ issuer: String, _ jwks: @escaping @Sendable () async throws -> Data) -> TrustedIssuer = {
            TrustedIssuer(issuer: $0, audience: audience, allowedAudiences: ["gatehouse"], jwks: $1)
        },
        _ body: @Sendable (STSHarness) async throws -> Void
    ) async throws {
        let clock = SandboxClock.manual()
        try await withOIDCProvider(clock: clock, options: providerOptions) { provider, idpBase, http in
            let jwks: @Sendable () async throws -> Data = { try await http.get(idpBase + "/jwks").body }
            let options = STSOptions(impersonation: [ServiceAccountImpersonation(serviceAccount: runner, groups: ["data-eng"])])
            let sts = STSSandbox(clock: clock, trustedIssuers: [trust(provider.issuer, jwks)], options: options)
            try await withOIDCTestServer(routes: { router in
                sts.addRoutes(to: router)
                sts.addIAMCredentialsRoutes(to: router)
            }) { stsBase in
                try await body(STSHarness(clock: clock, provider: provider, sts: sts, idpBase: idpBase, stsBase: stsBase, http: http))
            }
        }
    }

    func idToken() async throws -> String {
        try #require(try await OIDCFixture.signIn(http, idpBase)["id_token"])
    }

    /// Signs alice in and exchanges her fresh ID token.
    func exchangeFreshToken() async throws -> OIDCTestResponse {
        try await exchange(try await idToken())
    }

    func exchange(
        _ subjectToken: String, audience: String = audience, scope: String = cloudPlatform, headers: [(String, String)] = []
    ) async throws -> OIDCTestResponse {
        try await http.postForm(
            stsBase + "/v1/token",
            [
                ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("audience", audience), ("scope", scope),
                ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("subject_token", subjectToken),
                ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token"),
            ], headers: headers)
    }

    func generateAccessToken(_ token: String, serviceAccount: String = runner, body: JSONValue) async throws -> OIDCTestResponse {
        try await http.postJSON(
            stsBase + "/v1/projects/-/serviceAccounts/\(serviceAccount):generateAccessToken", body,
            headers: [("Authorization", "Bearer \(token)")])
    }
}

/// Base64url without padding, for hand-made JWTs.
func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

@Suite("STS and IAM Credentials sandbox")
struct STSSandboxTests {
    @Test("a trusted ID token (form body) becomes a federated token that accessTokenInfo knows")
    func exchangeSuccess() async throws {
        try await STSHarness.run { h in
            let response = try await h.exchange(try await h.idToken())
            #expect(response.status == 200)
            #expect(response["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token")
            #expect(response["token_type"] == "Bearer")
            #expect(response.json["expires_in"]?.intValue == 3600)
            let token = try #require(response["access_token"])
            let info = try #require(h.sts.accessTokenInfo(token))
            #expect(info.subject == "alice")
            #expect(info.email == "alice@example.com")
            #expect(info.scopes == [STSHarness.cloudPlatform])
            #expect(info.serviceAccount == nil)
            #expect(
                h.sts.principal(of: token)
                    == "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gatehouse/subject/alice")
        }
    }

    @Test("the discovery doc's JSON camelCase body is accepted too")
    func exchangeJSON() async throws {
        try await STSHarness.run { h in
            let response = try await h.http.postJSON(
                h.stsBase + "/v1/token",
                [
                    "grantType": "urn:ietf:params:oauth:grant-type:token-exchange", "audience": .string(STSHarness.audience),
                    "scope": .string(STSHarness.cloudPlatform), "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token",
                    "subjectToken": .string(try await h.idToken()), "subjectTokenType": "urn:ietf:params:oauth:token-type:jwt",
                ])
            #expect(response.status == 200)
            #expect(h.sts.accessTokenInfo(try #require(response["access_token"]))?.subject == "alice")
        }
    }

    @Test("ES256 subject tokens are accepted")
    func es256() async throws {
        try await STSHarness.run(providerOptions: .init(signingAlgorithm: .es256, autoApproveSubject: "alice")) { h in
            let exchanged1 = try await h.exchangeFreshToken()
            #expect(exchanged1.status == 200)
        }
    }

    @Test("bad signature, alg none, expired token, Authorization header and bad requests are rejected")
    func rejections() async throws {
        try await STSHarness.run { h in
            let token = try await h.idToken()
            let parts = token.split(separator: ".").map(String.init)

            // Flip a character in the middle of the signature (the last one may only hold padding bits).
            var signature = Array(parts[2])
            let middle = signature.count / 2
            signature[middle] = signature[middle] == "A" ? "B" : "A"
            let forged = try await h.exchange([parts[0], parts[1], String(signature)].joined(separator: "."))
            #expect(forged.status == 400)
            #expect(forged["error"] == "invalid_grant")
            #expect(forged["error_description"]?.contains("signature") == true)

            let header = try jwtHeader(token)
            let kid = try #require(header["kid"]?.stringValue)
            let noneHeader = base64URL(JSONValue.object(["alg": "none", "kid": .string(kid), "typ": "JWT"]).canonicalData())
            let unsigned = try await h.exchange("\(noneHeader).\(parts[1]).")
            #expect(unsigned["error"] == "invalid_grant")
            #expect(unsigned["error_description"]?.contains("RS256 or ES256") == true)

            let noKidHeader = base64URL(JSONValue.object(["alg": "RS256", "typ": "JWT"]).canonicalData())
            #expect(try await h.exchange("\(noKidHeader).\(parts[1]).\(parts[2])")["error"] == "invalid_grant")

            let withAuthorization = try await h.exchange(token, headers: [("Authorization", "Bearer something")])
            #expect(withAuthorization.status == 400)
            #expect(withAuthorization["error"] == "invalid_request")

            let unknownProvider = try await h.exchange(
                token, audience: "//iam.googleapis.com/projects/9/locations/global/workloadIdentityPools/x/providers/y")
            #expect(unknownProvider["error"] == "invalid_target")
            #expect(try await h.exchange(token, scope: "openid")["error"] == "invalid_scope")
            // google-auth's impersonation path asks for the iam scope alone; the real STS grants it.
            #expect(try await h.exchange(token, scope: SandboxAccessToken.iamScope)["access_token"] != nil)

            // The ID token lives 300 s on the shared clock.
            h.clock.advance(by: 301)
            let expired = try await h.exchange(token)
            #expect(expired["error"] == "invalid_grant")
            #expect(expired["error_description"]?.contains("expired") == true)
            #expect(!String(decoding: expired.body, as: UTF8.self).contains(parts[2]))
        }
    }

    @Test("a token for another audience is rejected")
    func wrongAudience() async throws {
        try await STSHarness.run(trust: {
            TrustedIssuer(issuer: $0, audience: STSHarness.audience, allowedAudiences: ["some-other-client"], jwks: $1)
        }) { h in
            let response = try await h.exchange(try await h.idToken())
            #expect(response["error"] == "invalid_grant")
            #expect(response["error_description"]?.contains("aud") == true)
        }
    }

    @Test("a token from another issuer is rejected")
    func wrongIssuer() async throws {
        try await STSHarness.run(trust: {
            TrustedIssuer(issuer: "https://accounts.example.com", audience: STSHarness.audience, allowedAudiences: ["gatehouse"], jwks: $1)
        }) { h in
            let response = try await h.exchange(try await h.idToken())
            #expect(response["error"] == "invalid_grant")
            #expect(response["error_description"]?.contains("iss") == true)
        }
    }

    @Test("after a key rotation the JWKS is refetched once for the unknown kid")
    func refetchOnUnknownKid() async throws {
        try await STSHarness.run { h in
            let exchanged2 = try await h.exchangeFreshToken()
            #expect(exchanged2.status == 200)
            let exchanged3 = try await h.exchangeFreshToken()
            #expect(exchanged3.status == 200)
            #expect(h.provider.requestCount[.jwks] == 1)
            h.provider.rotateKeys()
            let exchanged4 = try await h.exchangeFreshToken()
            #expect(exchanged4.status == 200)
            #expect(h.provider.requestCount[.jwks] == 2)
        }
    }

    @Test("generateAccessToken mints a service-account token for an allowed group")
    func generateAccessToken() async throws {
        try await STSHarness.run { h in
            let federated = try #require(try await h.exchangeFreshToken()["access_token"])
            let response = try await h.generateAccessToken(federated, body: ["scope": [.string(STSHarness.cloudPlatform)], "lifetime": "600s"])
            #expect(response.status == 200)
            let token = try #require(response["accessToken"])
            #expect(response["expireTime"] == h.clock.now.addingTimeInterval(600).formatted(.iso8601))
            let info = try #require(h.sts.accessTokenInfo(token))
            #expect(info.serviceAccount == STSHarness.runner)
            #expect(info.email == STSHarness.runner)
            #expect(info.subject == "alice")
            #expect(info.grants(STSHarness.cloudPlatform, at: h.clock.now))

            // Percent-encoded emails in the path are understood as well.
            let encoded = STSHarness.runner.replacingOccurrences(of: "@", with: "%40")
            #expect(try await h.generateAccessToken(federated, serviceAccount: encoded, body: ["scope": ["x"]]).status == 200)

            h.clock.advance(by: 601)
            #expect(h.sts.accessTokenInfo(token) == nil)
            #expect(h.sts.accessTokenInfo(federated) != nil)
            h.clock.advance(by: 3000)
            #expect(h.sts.accessTokenInfo(federated) == nil)
        }
    }

    @Test("generateAccessToken denies unbound service accounts, unknown callers and bad bodies")
    func generateAccessTokenDenials() async throws {
        try await STSHarness.run { h in
            let federated = try #require(try await h.exchangeFreshToken()["access_token"])
            let scope: JSONValue = ["scope": [.string(STSHarness.cloudPlatform)]]

            let denied = try await h.generateAccessToken(federated, serviceAccount: "admin@demo.iam.gserviceaccount.com", body: scope)
            #expect(denied.status == 403)
            #expect(denied.json["error"]?["status"] == "PERMISSION_DENIED")
            #expect(denied.json["error"]?["code"]?.intValue == 403)

            let unknown = try await h.generateAccessToken("ya29.not-issued", body: scope)
            #expect(unknown.status == 401)
            #expect(unknown.json["error"]?["status"] == "UNAUTHENTICATED")

            let tooLong = try await h.generateAccessToken(federated, body: ["scope": ["x"], "lifetime": "7200s"])
            #expect(tooLong.status == 400)
            #expect(tooLong.json["error"]?["status"] == "INVALID_ARGUMENT")
            #expect(try await h.generateAccessToken(federated, body: ["scope": []]).status == 400)

            h.clock.advance(by: 3601)
            #expect(try await h.generateAccessToken(federated, body: scope).status == 401)
        }
    }
}
