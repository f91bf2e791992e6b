import Foundation
import GatehouseCore
import GatehouseHTTP

/// Turns a verified ID token into Google credentials: RFC 8693 at STS (workload identity
/// federation), then optionally IAM Credentials `generateAccessToken` for a service account.
struct GoogleTokenExchange: Sendable {
    static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

    let configuration: IdentityConfiguration
    let http: HTTPClient

    /// The access token for `scopes`, and the identities it passed through after the person.
    func exchange(idToken: String, scopes: [String], now: Date) async throws -> (token: IssuedToken, hops: [String]) {
        guard let audience = configuration.workloadIdentityAudience else {
            throw IdentityError.notConfigured("set identity.workload_identity_audience to the workload identity provider resource name")
        }
        // The ID token is sent there: the same transport rule as for the IdP's own endpoints.
        let endpoints = EndpointPolicy(allowInsecureHTTP: configuration.allowInsecureHTTP)
        try endpoints.check(configuration.stsURL, name: "identity.sts_url")
        if configuration.serviceAccount != nil { try endpoints.check(configuration.iamCredentialsURL, name: "identity.iam_credentials_url") }
        // STS takes no Authorization header: the subject token is the credential.
        var request = HTTPRequest.form(
            configuration.stsURL, upstream: "sts",
            fields: [
                ("grant_type", Self.tokenExchangeGrant), ("audience", audience),
                ("scope", scopes.joined(separator: " ")), ("requested_token_type", Self.accessTokenType),
                ("subject_token", idToken), ("subject_token_type", Self.idTokenType),
            ])
        request.secrets = [idToken]
        let federated: STSResponse = try decode(try await send(request, upstream: "sts"), upstream: "sts")
        let lifetime = try UpstreamNumbers.lifetime(federated.expires_in, field: "expires_in", upstream: "sts")
        let stsToken = IssuedToken(value: federated.access_token, issuedAt: now, expiresAt: now.addingTimeInterval(lifetime), chain: ["sts"])
        guard let serviceAccount = configuration.serviceAccount else { return (stsToken, ["sts"]) }

        let root =
            configuration.iamCredentialsURL.hasSuffix("/") ? String(configuration.iamCredentialsURL.dropLast()) : configuration.iamCredentialsURL
        let url = "\(root)/v1/projects/-/serviceAccounts/\(serviceAccount):generateAccessToken"
        var impersonation: HTTPRequest
        do {
            impersonation = try HTTPRequest.json(
                .POST, url, upstream: "iamcredentials", body: GenerateAccessTokenRequest(scope: scopes, lifetime: "3600s"),
                headers: HTTPHeaders([("Authorization", "Bearer " + stsToken.value)]))
        } catch {
            throw IdentityError.unexpectedResponse(upstream: "iamcredentials", detail: error.description)
        }
        impersonation.secrets = [stsToken.value]
        let generated: GenerateAccessTokenResponse = try decode(
            try await send(impersonation, upstream: "iamcredentials"), upstream: "iamcredentials")
        // Bounded like every lifetime from outside: a far-future expireTime is kept for a day at most.
        let announced = ISO8601DateFormatter().date(from: generated.expireTime) ?? now.addingTimeInterval(3600)
        let expiry = min(announced, now.addingTimeInterval(UpstreamNumbers.maximumTokenLifetime))
        return (IssuedToken(value: generated.accessToken, issuedAt: now, expiresAt: expiry, chain: []), ["sts", serviceAccount])
    }

    private func send(_ request: HTTPRequest, upstream: String) async throws -> HTTPResponse {
        do {
            return try await http.send(request)
        } catch {
            throw IdentityError.from(error, upstream: upstream)
        }
    }

    /// Google answers errors as OAuth (`{error, error_description}`) at STS and as `{error: {message, status}}` at IAM.
    private func decode<T: Decodable>(_ response: HTTPResponse, upstream: String) throws -> T {
        guard response.isSuccess else {
            if let oauth = try? JSONDecoder().decode(OAuthErrorResponse.self, from: response.body) {
                throw IdentityError.upstreamRejected(upstream: upstream, error: oauth.error, description: oauth.error_description)
            }
            if let google = try? JSONDecoder().decode(GoogleErrorResponse.self, from: response.body) {
                throw IdentityError.upstreamRejected(
                    upstream: upstream, error: google.error.status ?? "HTTP \(response.status)", description: google.error.message)
            }
            throw IdentityError.unexpectedResponse(upstream: upstream, detail: "HTTP \(response.status)")
        }
        do {
            return try response.decode(T.self)
        } catch {
            throw IdentityError.unexpectedResponse(upstream: upstream, detail: error.description)
        }
    }
}

private struct STSResponse: Decodable {
    var access_token: String
    var expires_in: Double?
}

private struct GenerateAccessTokenRequest: Encodable {
    var scope: [String]
    var lifetime: String
}

private struct GenerateAccessTokenResponse: Decodable {
    var accessToken: String
    var expireTime: String
}

private struct GoogleErrorResponse: Decodable {
    struct Body: Decodable {
        var message: String?
        var status: String?
    }
    var error: Body
}
