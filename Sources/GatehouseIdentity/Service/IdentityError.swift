import Foundation
import GatehouseCore
import GatehouseHTTP

/// Why the identity service could not do what was asked; messages never contain tokens or secrets.
public enum IdentityError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Nobody is signed in (or the session was revoked).
    case notSignedIn
    /// The IdP (or STS) cannot be reached and no still-valid token is cached.
    case offline(upstream: String, detail: String)
    /// The IdP or STS answered with an OAuth error.
    case upstreamRejected(upstream: String, error: String, description: String?)
    /// The ID token failed verification.
    case invalidIDToken(IDTokenRejection)
    /// The configuration lacks something this operation needs.
    case notConfigured(String)
    /// A sign-in did not complete.
    case loginFailed(String)
    /// No sign-in with this id is known (finished long ago or never started).
    case unknownLogin(String)
    /// An answer from an upstream could not be understood.
    case unexpectedResponse(upstream: String, detail: String)
    /// An upstream sent a number outside what Gatehouse accepts (`expires_in: 1e300`).
    case outOfRange(upstream: String, field: String, value: String, accepted: String)
    /// An issuer or announced endpoint that is not `https` (or is not a URL at all).
    case insecureEndpoint(name: String, url: String)
    /// The token endpoint issued a token type Gatehouse cannot hand out as a bearer token.
    case unsupportedTokenType(String)
    /// An upstream's answer was larger than Gatehouse reads.
    case responseTooLarge(upstream: String, limit: Int)
    /// Refreshing failed recently; the next attempt waits until `retryAt`.
    case refreshBackingOff(retryAt: Date, failures: Int, lastError: String)

    /// The message, safe to print: an IdP's `error_description` reaches a terminal through it.
    public var description: String { TerminalText.sanitized(message) }

    private var message: String {
        switch self {
        case .notSignedIn:
            "not signed in; run `gatehouse login`"
        case .offline(let upstream, let detail):
            "\(upstream) is unreachable (\(detail)); cached tokens are served until they expire"
        case .upstreamRejected(let upstream, let error, let description):
            "\(upstream) refused: \(error)" + (description.map { " (\($0))" } ?? "")
                + (error == "invalid_grant" ? "; sign in again with `gatehouse login`" : "")
        case .invalidIDToken(let rejection):
            "the ID token was rejected: \(rejection)"
        case .notConfigured(let detail):
            "identity is not configured: \(detail)"
        case .loginFailed(let detail):
            "sign-in failed: \(detail)"
        case .unknownLogin(let id):
            "no sign-in \(id) is pending; start one with `gatehouse login`"
        case .unexpectedResponse(let upstream, let detail):
            "unexpected answer from \(upstream): \(detail)"
        case .outOfRange(let upstream, let field, let value, let accepted):
            "\(upstream) sent \(field) = \(value), outside the accepted \(accepted); the answer was refused"
        case .insecureEndpoint(let name, let url):
            "\(name) \(url) is not an https URL; only https is accepted (plain http only for loopback addresses, "
                + "or with identity.allow_insecure_http in tests), and never other schemes"
        case .unsupportedTokenType(let type):
            "the IdP issued a \(type) token, but Gatehouse hands out only Bearer tokens (token_type must be Bearer); refused"
        case .responseTooLarge(let upstream, let limit):
            "the answer from \(upstream) was larger than \(limit) bytes, the most Gatehouse reads from one upstream answer; "
                + "an IdP answer is a few kilobytes, so check the issuer URL"
        case .refreshBackingOff(let retryAt, let failures, let lastError):
            "refreshing failed \(failures) time(s) in a row (last: \(lastError)); the next attempt is at \(retryAt.ISO8601Format())"
        }
    }

    /// The HTTP failure as an identity error: unreachable upstreams become `offline`.
    static func from(_ error: HTTPError, upstream: String) -> IdentityError {
        switch error {
        case .undecodable(_, let detail): .unexpectedResponse(upstream: upstream, detail: detail)
        case .responseTooLarge(_, let limit): .responseTooLarge(upstream: upstream, limit: limit)
        case .invalidURL(let url): .insecureEndpoint(name: "\(upstream) URL", url: url)
        default: .offline(upstream: upstream, detail: error.description)
        }
    }
}
