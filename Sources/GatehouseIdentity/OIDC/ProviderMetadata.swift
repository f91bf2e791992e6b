/// The parts of the OIDC discovery document Gatehouse uses.
struct ProviderMetadata: Decodable, Sendable {
    var issuer: String
    var authorization_endpoint: String
    var token_endpoint: String
    var jwks_uri: String
    var device_authorization_endpoint: String?
    var revocation_endpoint: String?
    var code_challenge_methods_supported: [String]?
}

/// The token endpoint's success answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
struct TokenResponse: Decodable, Sendable {
    var access_token: String
    var token_type: String?
    var expires_in: Double?
    var refresh_token: String?
    var id_token: String?
    var scope: String?
}

/// An OAuth error answer (RFC 6749 §5.2).
struct OAuthErrorResponse: Decodable, Sendable {
    var error: String
    var error_description: String?
}

/// The device authorization answer (RFC 8628 §3.2).
struct DeviceAuthorizationResponse: Decodable, Sendable {
    var device_code: String
    var user_code: String
    var verification_uri: String
    var verification_uri_complete: String?
    var expires_in: Double
    var interval: Double?
}
