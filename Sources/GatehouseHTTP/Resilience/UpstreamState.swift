import Foundation

/// What the circuit breaker currently thinks of an upstream.
public enum UpstreamState: Sendable, Equatable {
    case online
    case offline(since: Date, retryAt: Date)
    /// One probe call is in flight after the open period; others still fail fast.
    case probing
}
