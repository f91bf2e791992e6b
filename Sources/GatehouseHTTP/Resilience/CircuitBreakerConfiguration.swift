/// When an upstream is declared offline and for how long.
public struct CircuitBreakerConfiguration: Sendable {
    /// Consecutive failed attempts (transport errors, timeouts, 5xx) that open the circuit.
    public var failureThreshold: Int
    /// How long the circuit stays open before one probe is let through.
    public var openDuration: Duration

    /// Defaults: 5 consecutive failures, 10 s open.
    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(10)) {
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = openDuration
    }
}
