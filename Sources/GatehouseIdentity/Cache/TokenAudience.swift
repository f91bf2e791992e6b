/// What a token is for: the IdP's own tokens, or a downstream credential obtained by exchange.
public enum TokenAudience: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The verified OIDC ID token (what STS and Google's executable credential source take).
    case idToken
    /// The IdP's access token (for the IdP's own APIs, e.g. userinfo).
    case idpAccess
    /// A Google access token: STS exchange, then impersonation when a service account is configured.
    case google(scopes: [String])
    /// A Looker API token (see `LookerCredentialSource`).
    case looker

    /// Parses the names `token.get` and the CLI accept: `oidc`, `idp`, `google`, `looker`.
    public init?(name: String, scopes: [String] = []) {
        switch name {
        case "oidc", "id_token": self = .idToken
        case "idp", "access_token": self = .idpAccess
        case "google", "gcp": self = .google(scopes: scopes)
        case "looker": self = .looker
        default: return nil
        }
    }

    /// The names `init(name:)` accepts, for help and errors.
    public static let names = ["oidc", "idp", "google", "looker"]

    /// The cache key part naming the audience.
    var cacheName: String {
        switch self {
        case .idToken: "oidc"
        case .idpAccess: "idp"
        case .google: "google"
        case .looker: "looker"
        }
    }

    /// The cache key part naming the scopes (sorted, space-separated).
    var cacheScopes: String {
        if case .google(let scopes) = self { return scopes.sorted().joined(separator: " ") }
        return ""
    }

    public var description: String {
        cacheScopes.isEmpty ? cacheName : "\(cacheName) [\(cacheScopes)]"
    }
}
