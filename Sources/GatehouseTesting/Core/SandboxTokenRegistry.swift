import Foundation
import Synchronization

/// Access tokens minted through the admin API (`POST /admin/tokens`), for scripts and tests that
/// want a Dataproc-ready token without walking the OIDC → STS chain.
public final class SandboxTokenRegistry: Sendable {
    private let tokens = Mutex<[String: SandboxAccessToken]>([:])

    /// An empty registry.
    public init() {}

    /// Mints and remembers a token.
    public func issue(subject: String, email: String, scopes: [String], expiresAt: Date, serviceAccount: String? = nil) -> SandboxAccessToken {
        let token = SandboxAccessToken(
            token: "sbx." + RandomText.token(), subject: subject, email: email, scopes: scopes, expiresAt: expiresAt, serviceAccount: serviceAccount)
        tokens.withLock { $0[token.token] = token }
        return token
    }

    /// What was minted for `token`, if anything (expiry is the caller's check).
    public func lookup(_ token: String) -> SandboxAccessToken? { tokens.withLock { $0[token] } }

    /// Forgets every minted token.
    public func revokeAll() { tokens.withLock { $0.removeAll() } }
}
