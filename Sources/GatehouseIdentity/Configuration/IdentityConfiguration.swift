import Foundation

/// Everything the identity service needs to know about the IdP, STS and token lifetimes.
public struct IdentityConfiguration: Sendable {
    /// The OIDC issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
    public var issuer: String
    /// The OAuth client id registered at the IdP (also the expected ID-token audience).
    public var clientID: String
    /// The client secret, when the client is confidential; nil for a public PKCE client.
    public var clientSecret: String?
    /// Scopes requested at sign-in.
    public var scopes: [String]
    /// The workload identity provider resource name sent to STS as `audience`.
    public var workloadIdentityAudience: String?
    /// STS token endpoint (`https://sts.googleapis.com/v1/token`).
    public var stsURL: String
    /// IAM Credentials root (`https://iamcredentials.googleapis.com`).
    public var iamCredentialsURL: String
    /// A service account to impersonate after the STS exchange; nil uses the federated token as is.
    public var serviceAccount: String?
    /// Scopes asked of STS / IAM for Google tokens.
    public var googleScopes: [String]
    /// Fraction of a token's lifetime after which it is refreshed ahead of expiry.
    public var refreshAheadFraction: Double
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public var allowedClockSkew: TimeInterval
    /// How long a pending sign-in waits for the browser or the device approval.
    public var loginTimeout: TimeInterval
    /// Accept plain-http issuers and endpoints on non-loopback hosts. For tests only: an on-path
    /// attacker could then serve their own JWKS and sign in as anyone.
    public var allowInsecureHTTP: Bool
    /// Hosts besides the issuer's whose device verification page is shown without a warning.
    public var trustedVerificationHosts: [String]

    /// A configuration with the usual defaults for everything but the IdP.
    public init(
        issuer: String, clientID: String, clientSecret: String? = nil,
        scopes: [String] = ["openid", "email", "profile", "offline_access"],
        workloadIdentityAudience: String? = nil,
        stsURL: String = "https://sts.googleapis.com/v1/token",
        iamCredentialsURL: String = "https://iamcredentials.googleapis.com",
        serviceAccount: String? = nil,
        googleScopes: [String] = ["https://www.googleapis.com/auth/cloud-platform"],
        refreshAheadFraction: Double = 0.67, allowedClockSkew: TimeInterval = 60, loginTimeout: TimeInterval = 600,
        allowInsecureHTTP: Bool = false, trustedVerificationHosts: [String] = []
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.workloadIdentityAudience = workloadIdentityAudience
        self.stsURL = stsURL
        self.iamCredentialsURL = iamCredentialsURL
        self.serviceAccount = serviceAccount
        self.googleScopes = googleScopes
        self.refreshAheadFraction = refreshAheadFraction
        self.allowedClockSkew = allowedClockSkew
        self.loginTimeout = loginTimeout
        self.allowInsecureHTTP = allowInsecureHTTP
        self.trustedVerificationHosts = trustedVerificationHosts
    }
}
