import Foundation

/// Exponential backoff with full jitter, in seconds: many waiters failing together do not retry in lockstep.
public struct Backoff: Sendable, Equatable {
    /// Ceiling of the first wait.
    public var base: TimeInterval
    /// Ceiling of any wait.
    public var cap: TimeInterval

    /// A backoff from `base` up to `cap` seconds.
    public init(base: TimeInterval, cap: TimeInterval) {
        self.base = max(0.001, base)
        self.cap = max(self.base, cap)
    }

    /// The ceiling after `failures` consecutive failures (1-based).
    public func ceiling(after failures: Int) -> TimeInterval {
        min(cap, base * pow(2, Double(min(max(failures - 1, 0), 30))))
    }

    /// A random wait in `0...ceiling(after:)`, never below `floor`.
    public func delay(after failures: Int, floor: TimeInterval = 0) -> TimeInterval {
        max(floor, Double.random(in: 0...ceiling(after: failures)))
    }
}
