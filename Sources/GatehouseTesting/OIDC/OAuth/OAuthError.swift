import Hummingbird

/// An OAuth 2.0 error answer (RFC 6749 §5.2): what the token, device and STS endpoints return.
///
/// The description is shown to the caller, so it never carries a token or a secret.
public struct OAuthError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The registered error code, e.g. `invalid_grant`.
    public var code: String
    /// What went wrong and what to do about it.
    public var description: String
    /// HTTP status: 400 for most errors, 401 for `invalid_client`.
    public var status: HTTPResponse.Status

    /// An error with the given code, description and status.
    public init(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) {
        self.code = code
        self.description = description
        self.status = status
    }

    static func invalidRequest(_ why: String) -> OAuthError { .init("invalid_request", why) }
    static func invalidGrant(_ why: String) -> OAuthError { .init("invalid_grant", why) }
    static func invalidClient(_ why: String) -> OAuthError { .init("invalid_client", why, status: .unauthorized) }
    static func invalidScope(_ why: String) -> OAuthError { .init("invalid_scope", why) }
    static func invalidTarget(_ why: String) -> OAuthError { .init("invalid_target", why) }
    static func unsupportedGrantType(_ grant: String) -> OAuthError {
        .init("unsupported_grant_type", "grant_type '\(grant)' is not supported by this endpoint")
    }

    /// The JSON body `{error, error_description}` with the status.
    func response() -> Response {
        var response = OAuthHTTP.json(["error": code, "error_description": description] as [String: String], status: status)
        if status == .unauthorized {
            response.headers[.wwwAuthenticate] = "Basic realm=\"gatehouse-sandbox\""
        }
        return response
    }
}
