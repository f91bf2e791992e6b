import Foundation

/// One `send` call: the request, its total deadline and what is needed to describe it safely.
struct CallContext: Sendable {
    let request: HTTPRequest
    let scrubber: SecretScrubber
    let loggableURL: String
    /// The whole call, retries included, must end by this instant.
    let deadline: ContinuousClock.Instant
    /// The call's total time allowance (what `.timedOut` reports).
    let budget: Duration
    let maxResponseBytes: Int

    var upstream: String { request.upstream }

    /// Time left before the deadline (negative once it has passed).
    var remaining: Duration { deadline - .now }

    // libcurl's timer may fire a hair before our clock agrees, so "reached" allows a small margin.
    var deadlineReached: Bool { remaining <= .milliseconds(5) }
}
