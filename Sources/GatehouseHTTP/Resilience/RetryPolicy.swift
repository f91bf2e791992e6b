/// How often and how patiently a call is retried.
public struct RetryPolicy: Sendable {
    /// Tries per call, the first included.
    public var maxAttempts: Int
    /// Ceiling of the first backoff.
    public var baseDelay: Duration
    /// Ceiling of any backoff.
    public var maxDelay: Duration

    /// Defaults: 4 attempts, 100 ms base, 5 s cap.
    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// A policy that never retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause after failed attempt number `attempt` (1-based): exponential with full jitter,
    /// so many clients failing together do not retry in lockstep.
    public func backoff(afterAttempt attempt: Int, random: (Duration) -> Duration = RetryPolicy.uniform) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        return random(ceiling)
    }

    /// A uniformly random duration in `0...ceiling`.
    public static func uniform(_ ceiling: Duration) -> Duration {
        let nanoseconds = max(Int64(0), Int64(ceiling / .nanoseconds(1)))
        return .nanoseconds(Int64.random(in: 0...nanoseconds))
    }
}
