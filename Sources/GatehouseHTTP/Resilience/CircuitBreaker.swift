import Foundation
import Synchronization

/// Per-upstream circuit breaker: consecutive failures open it, calls then fail fast until a
/// single probe after `openDuration` succeeds.
final class CircuitBreaker: Sendable {
    /// How one attempt went, as far as the upstream's health is concerned.
    enum Verdict: Sendable {
        case healthy
        case failed
        /// Says nothing about the upstream (cancelled, too large, invalid request).
        case neutral
    }

    /// Permission to make one attempt; `isProbe` attempts decide the half-open state.
    struct Permit: Sendable {
        let upstream: String
        let isProbe: Bool
    }

    private enum Circuit {
        case closed(consecutiveFailures: Int)
        case open(since: Date, retryAt: Date)
        case halfOpen(since: Date)
    }

    private let configuration: CircuitBreakerConfiguration
    private let now: @Sendable () -> Date
    private let circuits = Mutex<[String: Circuit]>([:])

    init(configuration: CircuitBreakerConfiguration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.now = now
    }

    /// A permit for one attempt, or `.circuitOpen` while the upstream is considered offline.
    func acquire(_ upstream: String) throws(HTTPError) -> Permit {
        let now = now()
        let decision: Result<Permit, HTTPError> = circuits.withLock { circuits in
            switch circuits[upstream] ?? .closed(consecutiveFailures: 0) {
            case .closed:
                return .success(Permit(upstream: upstream, isProbe: false))
            // A retry time further ahead than the circuit ever stays open can only come from a wall clock
            // set back since it opened: probe now, rather than wait out the time the clock lost.
            case .open(let since, let retryAt) where now >= retryAt || retryAt.timeIntervalSince(now) > self.openSeconds:
                circuits[upstream] = .halfOpen(since: since)
                return .success(Permit(upstream: upstream, isProbe: true))
            case .open(_, let retryAt):
                return .failure(.circuitOpen(upstream: upstream, retryAt: retryAt))
            case .halfOpen:
                // The probe is still running; callers should come back once it has had its chance.
                return .failure(.circuitOpen(upstream: upstream, retryAt: now.addingTimeInterval(self.openSeconds)))
            }
        }
        return try decision.get()
    }

    /// Records the outcome of the attempt `permit` allowed.
    func record(_ verdict: Verdict, for permit: Permit) {
        let now = now()
        circuits.withLock { circuits in
            let current = circuits[permit.upstream] ?? .closed(consecutiveFailures: 0)
            switch (current, verdict) {
            case (.halfOpen, .healthy), (.closed, .healthy):
                circuits[permit.upstream] = .closed(consecutiveFailures: 0)
            case (.halfOpen(let since), .failed) where permit.isProbe:
                circuits[permit.upstream] = .open(since: since, retryAt: now.addingTimeInterval(openSeconds))
            case (.halfOpen(let since), .neutral) where permit.isProbe:
                // The probe told us nothing: let the next call probe straight away.
                circuits[permit.upstream] = .open(since: since, retryAt: now)
            case (.closed(let failures), .failed):
                circuits[permit.upstream] =
                    failures + 1 >= configuration.failureThreshold
                    ? .open(since: now, retryAt: now.addingTimeInterval(openSeconds))
                    : .closed(consecutiveFailures: failures + 1)
            default:
                // Late results from attempts started before the circuit changed do not move it.
                break
            }
        }
    }

    /// The upstream's state for status displays.
    func state(of upstream: String) -> UpstreamState {
        circuits.withLock { circuits in
            switch circuits[upstream] ?? .closed(consecutiveFailures: 0) {
            case .closed: .online
            case .open(let since, let retryAt): .offline(since: since, retryAt: retryAt)
            case .halfOpen: .probing
            }
        }
    }

    private var openSeconds: TimeInterval {
        configuration.openDuration / .seconds(1)
    }
}
