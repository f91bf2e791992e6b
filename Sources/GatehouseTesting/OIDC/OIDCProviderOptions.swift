import Foundation

/// How the sandbox OIDC provider behaves: lifetimes, signing algorithm, clients and auto-approval.
public struct OIDCProviderOptions: Sendable {
    /// The algorithm ID tokens are signed with.
    public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable {
        /// RSASSA-PKCS1-v1_5 with SHA-256 over a 2048-bit key.
        case rs256 = "RS256"
        /// ECDSA over P-256 with SHA-256.
        case es256 = "ES256"
    }

    /// Seconds an access token is accepted.
    public var accessTokenLifetime: TimeInterval
    /// Seconds until an ID token's `exp`.
    public var idTokenLifetime: TimeInterval
    /// Seconds a refresh token can be redeemed.
    public var refreshTokenLifetime: TimeInterval
    /// Seconds an authorization code can be redeemed.
    public var authorizationCodeLifetime: TimeInterval
    /// Seconds a device code stays valid.
    public var deviceCodeLifetime: TimeInterval
    /// Minimum seconds between device-code polls at the start (grows by 5 on each `slow_down`).
    public var deviceInterval: TimeInterval
    /// Algorithm of the current signing key.
    public var signingAlgorithm: SigningAlgorithm
    /// When set, `GET /authorize` approves at once as this subject instead of showing a form.
    public var autoApproveSubject: String?
    /// Registered clients: client_id to its secret, or nil for a public client (PKCE required).
    public var clients: [String: String?]
    /// Redirect URIs accepted besides loopback `http://127.0.0.1:{port}/...` ones.
    public var registeredRedirectURIs: [String]
    /// Scopes advertised in discovery (requests may still ask for others).
    public var scopesSupported: [String]

    /// Options with the sandbox defaults; every field can be given.
    public init(
        accessTokenLifetime: TimeInterval = 300,
        idTokenLifetime: TimeInterval = 300,
        refreshTokenLifetime: TimeInterval = 86_400,
        authorizationCodeLifetime: TimeInterval = 60,
        deviceCodeLifetime: TimeInterval = 600,
        deviceInterval: TimeInterval = 5,
        signingAlgorithm: SigningAlgorithm = .rs256,
        autoApproveSubject: String? = nil,
        clients: [String: String?] = ["gatehouse": nil],
        registeredRedirectURIs: [String] = [],
        scopesSupported: [String] = ["openid", "email", "profile", "groups", "offline_access"]
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.idTokenLifetime = idTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.authorizationCodeLifetime = authorizationCodeLifetime
        self.deviceCodeLifetime = deviceCodeLifetime
        self.deviceInterval = deviceInterval
        self.signingAlgorithm = signingAlgorithm
        self.autoApproveSubject = autoApproveSubject
        self.clients = clients
        self.registeredRedirectURIs = registeredRedirectURIs
        self.scopesSupported = scopesSupported
    }
}
