import Foundation
import Synchronization

/// A local Google Security Token Service (`POST /v1/token`) and IAM Credentials
/// (`generateAccessToken`): exchanges trusted ID tokens for federated access tokens, and those
/// for service-account tokens, which other sandbox upstreams validate through `accessTokenInfo`.
public final class STSSandbox: Sendable {
    /// A token this sandbox issued, with what it knows about the caller behind it.
    struct IssuedToken: Sendable {
        var info: SandboxAccessToken
        var groups: [String]
        var principal: String
    }

    let clock: SandboxClock
    let options: STSOptions
    /// Verifiers by the workload identity provider name that the request's `audience` names.
    let verifiers: [String: STSSubjectTokenVerifier]
    private let tokens = Mutex<[String: IssuedToken]>([:])

    /// An STS that trusts `trustedIssuers`, on the shared sandbox clock.
    public init(clock: SandboxClock, trustedIssuers: [TrustedIssuer], options: STSOptions = .init()) {
        self.clock = clock
        self.options = options
        var verifiers: [String: STSSubjectTokenVerifier] = [:]
        for trusted in trustedIssuers {
            verifiers[trusted.audience] = STSSubjectTokenVerifier(
                trusted: trusted, cache: STSJWKSCache(fetch: trusted.jwks, lifetime: options.jwksCacheLifetime),
                allowedClockSkew: options.allowedClockSkew)
        }
        self.verifiers = verifiers
    }

    /// The token's details while it is unexpired on the sandbox clock; nil for unknown or expired tokens.
    public func accessTokenInfo(_ token: String) -> SandboxAccessToken? {
        issuedToken(token)?.info
    }

    /// The federated principal behind a token, e.g.
    /// `principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gatehouse/subject/alice`.
    public func principal(of token: String) -> String? {
        issuedToken(token)?.principal
    }

    func issuedToken(_ token: String) -> IssuedToken? {
        let now = clock.now
        return tokens.withLock { $0[token] }.flatMap { $0.info.isValid(at: now) ? $0 : nil }
    }

    func store(_ token: IssuedToken) {
        tokens.withLock { $0[token.info.token] = token }
    }
}
