import Foundation
import GatehouseCore

/// Who is signed in and the state of their tokens, without any token value.
public struct IdentityStatus: Sendable, Codable, Equatable {
    /// One cached token, described.
    public struct TokenSummary: Sendable, Codable, Equatable {
        public var audience: String
        public var scopes: String
        public var expiresAt: Date
        public var chain: String
    }

    public var signedIn: Bool
    public var principal: Principal?
    public var tokens: [TokenSummary]
    /// True while the IdP cannot be reached; cached tokens are still served until they expire.
    public var offline: Bool
    /// The latest expiry among the tokens still valid (what "offline, token valid until T" reports).
    public var validUntil: Date?
    /// One line for people: `signed in as …`, `offline, token valid until …`, `not signed in`.
    public var summary: String
    /// The last refresh failure, if the most recent attempt failed; it stays until a refresh succeeds.
    public var lastError: String?
    /// Refreshes that failed in a row (0 when the last one worked).
    public var refreshFailures: Int = 0
    /// When refreshing is tried again after failures (exponential back-off with jitter).
    public var nextRefreshAttempt: Date?
}
