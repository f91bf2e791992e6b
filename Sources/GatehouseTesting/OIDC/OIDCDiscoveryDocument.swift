/// The OpenID Provider metadata served at `/.well-known/openid-configuration`.
public struct OIDCDiscoveryDocument: Codable, Sendable, Equatable {
    /// The `issuer` metadata field.
    public var issuer: String
    /// The `authorization_endpoint` metadata field.
    public var authorization_endpoint: String
    /// The `token_endpoint` metadata field.
    public var token_endpoint: String
    /// The `jwks_uri` metadata field.
    public var jwks_uri: String
    /// The `userinfo_endpoint` metadata field.
    public var userinfo_endpoint: String
    /// The `device_authorization_endpoint` metadata field.
    public var device_authorization_endpoint: String
    /// The `revocation_endpoint` metadata field.
    public var revocation_endpoint: String
    /// The `end_session_endpoint` metadata field.
    public var end_session_endpoint: String
    /// The `response_types_supported` metadata field.
    public var response_types_supported: [String]
    /// The `subject_types_supported` metadata field.
    public var subject_types_supported: [String]
    /// The `id_token_signing_alg_values_supported` metadata field.
    public var id_token_signing_alg_values_supported: [String]
    /// The `grant_types_supported` metadata field.
    public var grant_types_supported: [String]
    /// The `code_challenge_methods_supported` metadata field.
    public var code_challenge_methods_supported: [String]
    /// The `token_endpoint_auth_methods_supported` metadata field.
    public var token_endpoint_auth_methods_supported: [String]
    /// The `scopes_supported` metadata field.
    public var scopes_supported: [String]
    /// The `claims_supported` metadata field.
    public var claims_supported: [String]

    /// The document for a provider at `issuer` whose routes sit at the issuer's root.
    init(issuer: String, scopes: [String]) {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.issuer = issuer
        authorization_endpoint = base + OIDCPath.authorize
        token_endpoint = base + OIDCPath.token
        jwks_uri = base + OIDCPath.jwks
        userinfo_endpoint = base + OIDCPath.userinfo
        device_authorization_endpoint = base + OIDCPath.deviceAuthorization
        revocation_endpoint = base + OIDCPath.revoke
        end_session_endpoint = base + OIDCPath.logout
        response_types_supported = ["code"]
        subject_types_supported = ["public"]
        id_token_signing_alg_values_supported = OIDCProviderOptions.SigningAlgorithm.allCases.map(\.rawValue)
        grant_types_supported = [OIDCGrantType.authorizationCode, OIDCGrantType.refreshToken, OIDCGrantType.deviceCode]
        code_challenge_methods_supported = ["S256"]
        token_endpoint_auth_methods_supported = ["none", "client_secret_basic", "client_secret_post"]
        scopes_supported = scopes
        claims_supported = [
            "iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "email", "email_verified", "name", "groups",
        ]
    }
}

/// Where each endpoint is mounted, relative to the issuer.
enum OIDCPath {
    static let discovery = "/.well-known/openid-configuration"
    static let jwks = "/jwks"
    static let authorize = "/authorize"
    static let token = "/token"
    static let userinfo = "/userinfo"
    static let deviceAuthorization = "/device_authorization"
    static let device = "/device"
    static let revoke = "/revoke"
    static let logout = "/logout"
}

/// The `grant_type` values the token endpoint accepts.
enum OIDCGrantType {
    static let authorizationCode = "authorization_code"
    static let refreshToken = "refresh_token"
    static let deviceCode = "urn:ietf:params:oauth:grant-type:device_code"
}
