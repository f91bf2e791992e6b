import Foundation
import GatehouseCore
import GatehouseHTTP
import Synchronization

/// The calls Gatehouse makes to the IdP: discovery, token, device authorization and revocation.
final class OAuthClient: Sendable {
    static let upstream = "idp"
    let configuration: IdentityConfiguration
    private let http: HTTPClient
    private let metadataCache = Mutex<ProviderMetadata?>(nil)
    private let flight = SingleFlight<String, ProviderMetadata>()

    let endpoints: EndpointPolicy

    init(configuration: IdentityConfiguration, http: HTTPClient) {
        self.configuration = configuration
        self.http = http
        endpoints = EndpointPolicy(allowInsecureHTTP: configuration.allowInsecureHTTP)
    }

    /// The discovery document, fetched once and kept; its `issuer` must equal the configured one.
    func metadata() async throws -> ProviderMetadata {
        if let known = metadataCache.withLock({ $0 }) { return known }
        // Checked before the first request: over plain http an on-path attacker serves their own keys.
        try endpoints.check(configuration.issuer, name: "identity.issuer")
        return try await flight.run(key: "discovery") { [self] in
            let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
            let response = try await send(.get(base + "/.well-known/openid-configuration", upstream: Self.upstream))
            let document: ProviderMetadata = try decode(response)
            guard document.issuer == configuration.issuer else {
                throw IdentityError.unexpectedResponse(
                    upstream: Self.upstream,
                    detail: "discovery says issuer \(document.issuer) but identity.issuer is \(configuration.issuer); they must match exactly")
            }
            try endpoints.check(document.authorization_endpoint, name: "the announced authorization_endpoint")
            try endpoints.check(document.token_endpoint, name: "the announced token_endpoint")
            try endpoints.check(document.jwks_uri, name: "the announced jwks_uri")
            if let device = document.device_authorization_endpoint {
                try endpoints.check(device, name: "the announced device_authorization_endpoint")
            }
            if let revocation = document.revocation_endpoint {
                try endpoints.check(revocation, name: "the announced revocation_endpoint")
            }
            metadataCache.withLock { $0 = document }
            return document
        }
    }

    /// Forgets the discovery document (at logout), so the next sign-in reads and checks it afresh.
    func forget() {
        metadataCache.withLock { $0 = nil }
    }

    /// A token-endpoint grant: `fields` plus client authentication.
    func token(_ fields: [(String, String)]) async throws -> TokenResponse {
        let endpoint = try await metadata().token_endpoint
        return try decode(try await send(form(endpoint, fields)))
    }

    /// Starts a device authorization (RFC 8628 §3.1).
    func deviceAuthorization() async throws -> DeviceAuthorizationResponse {
        guard let endpoint = try await metadata().device_authorization_endpoint else {
            throw IdentityError.notConfigured(
                "the IdP does not offer the device flow (no device_authorization_endpoint); use `gatehouse login` without --device")
        }
        return try decode(try await send(form(endpoint, [("scope", configuration.scopes.joined(separator: " "))])))
    }

    /// Revokes a token (RFC 7009) when the IdP has the endpoint; returns whether it did.
    func revoke(_ token: String, hint: String) async throws -> Bool {
        guard let endpoint = try await metadata().revocation_endpoint else { return false }
        let response = try await send(form(endpoint, [("token", token), ("token_type_hint", hint)]))
        return response.isSuccess
    }

    /// A form POST with the client's credentials: `client_secret_basic` for a confidential client
    /// (the method every server must support, RFC 6749 §2.3.1), `client_id` in the body for a public one.
    private func form(_ url: String, _ fields: [(String, String)]) -> HTTPRequest {
        var headers = HTTPHeaders()
        var all = fields
        if let secret = configuration.clientSecret {
            let pair = Self.formComponent(configuration.clientID) + ":" + Self.formComponent(secret)
            headers.add("Authorization", "Basic " + Data(pair.utf8).base64EncodedString())
        } else {
            all.append(("client_id", configuration.clientID))
        }
        var request = HTTPRequest.form(url, upstream: Self.upstream, fields: all, headers: headers)
        request.secrets = fields.filter { Redaction.isSecret(name: $0.0) }.map(\.1) + [configuration.clientSecret].compactMap { $0 }
        return request
    }

    /// `application/x-www-form-urlencoded` encoding of one credential, as Basic client auth requires.
    private static func formComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await http.send(request)
        } catch {
            throw IdentityError.from(error, upstream: Self.upstream)
        }
    }

    /// The body as `T` on success, else the OAuth error it carries.
    func decode<T: Decodable>(_ response: HTTPResponse, upstream: String = OAuthClient.upstream) throws -> T {
        guard response.isSuccess else {
            if let failure = try? JSONDecoder().decode(OAuthErrorResponse.self, from: response.body) {
                throw IdentityError.upstreamRejected(upstream: upstream, error: failure.error, description: failure.error_description)
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
