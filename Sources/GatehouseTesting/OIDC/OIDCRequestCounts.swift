/// The provider's endpoints, named for request counting.
public enum OIDCEndpoint: String, Sendable, Codable, CaseIterable {
    /// `GET /.well-known/openid-configuration`.
    case discovery
    /// `GET /jwks`.
    case jwks
    /// `GET` and `POST /authorize`.
    case authorize
    /// `POST /token`.
    case token
    /// `GET` and `POST /userinfo`.
    case userinfo
    /// `POST /device_authorization`.
    case deviceAuthorization
    /// `GET` and `POST /device` (the verification page).
    case device
    /// `POST /revoke`.
    case revoke
    /// `GET /logout`.
    case logout
}

/// How many requests each endpoint and each token grant type has served, for tests that check
/// e.g. "exactly one refresh".
public struct OIDCRequestCounts: Sendable, Codable, Equatable {
    /// Requests per endpoint.
    public var endpoints: [OIDCEndpoint: Int] = [:]
    /// Token endpoint requests per `grant_type` (as sent, including unsupported ones).
    public var grants: [String: Int] = [:]

    /// Requests served by `endpoint`.
    public subscript(endpoint: OIDCEndpoint) -> Int { endpoints[endpoint] ?? 0 }

    /// Token endpoint requests with `grant_type=refresh_token`.
    public var refreshes: Int { grants["refresh_token"] ?? 0 }

    mutating func record(_ endpoint: OIDCEndpoint) { endpoints[endpoint, default: 0] += 1 }
    mutating func record(grant: String) { grants[grant, default: 0] += 1 }
}
