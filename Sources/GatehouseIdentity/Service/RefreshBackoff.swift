import Foundation

/// How long to leave the IdP alone after refreshes fail: exponential from five minutes, doubling,
/// capped at 30 minutes, each wait shortened by up to a quarter at random so that daemons that
/// failed together do not all come back in the same second. A refused refresh then costs at most
/// five IdP calls in its first hour and two an hour after, instead of one per refresh tick.
struct RefreshBackoff: Sendable, Equatable {
    static let firstDelay: TimeInterval = 300
    static let maximumDelay: TimeInterval = 1800

    /// Failures in a row; 0 after a success.
    private(set) var failures = 0
    /// Before this time no refresh is attempted.
    private(set) var retryAt: Date?

    /// Whether a refresh may be tried at `now`.
    func allows(_ now: Date) -> Bool {
        retryAt.map { now >= $0 } ?? true
    }

    /// Records a failure at `now`; `random` in 0…1 picks the jitter.
    mutating func failed(at now: Date, random: Double = Double.random(in: 0...1)) {
        failures += 1
        retryAt = now.addingTimeInterval(Self.delay(afterFailures: failures, random: random))
    }

    /// Records a success.
    mutating func succeeded() {
        self = RefreshBackoff()
    }

    /// The wait after `failures` failures in a row.
    static func delay(afterFailures failures: Int, random: Double) -> TimeInterval {
        let exponent = Double(min(max(failures - 1, 0), 20))  // 2^20 minutes is far past the cap already
        let full = min(maximumDelay, firstDelay * pow(2, exponent))
        return full * (1 - 0.25 * min(max(random, 0), 1))
    }
}
