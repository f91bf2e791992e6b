import Foundation
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

    public var description: String {
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
        }
    }

    /// The HTTP failure as an identity error: unreachable upstreams become `offline`.
    static func from(_ error: HTTPError, upstream: String) -> IdentityError {
        switch error {
        case .undecodable(_, let detail): .unexpectedResponse(upstream: upstream, detail: detail)
        default: .offline(upstream: upstream, detail: error.description)
        }
    }
}
