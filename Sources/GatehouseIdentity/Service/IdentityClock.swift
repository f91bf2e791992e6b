import Foundation

/// The time the identity service reads and the waits it makes (device polling, refresh ticks).
/// Tests substitute a clock that shares the sandbox provider's time.
public protocol IdentityClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Waits `duration`; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// Wall-clock time and real sleeps.
public struct SystemIdentityClock: IdentityClock {
    /// The system clock.
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
