import Foundation
import Synchronization

/// The time every sandbox upstream reads: real wall-clock time, or a manual time that tests move.
///
/// Dataproc job transitions and token expiries are computed from `now` rather than from timers,
/// so advancing a manual clock changes what the next request sees without any sleeping.
public final class SandboxClock: Sendable {
    /// How the clock tells time.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Wall-clock time plus any `advance(by:)` offsets.
        case real
        /// Frozen at a start time; only `advance(by:)` moves it.
        case manual
    }

    /// The mode chosen at creation.
    public let mode: Mode
    private let state: Mutex<State>

    private struct State {
        var manualNow: Date
        var offset: TimeInterval
    }

    /// A clock in `mode`; a manual clock starts at `start` (default: the current wall-clock time, whole seconds).
    public init(mode: Mode = .real, start: Date? = nil) {
        self.mode = mode
        let initial = start ?? Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        self.state = Mutex(State(manualNow: initial, offset: 0))
    }

    /// A manual clock frozen at `start`, for tests.
    public static func manual(at start: Date = Date(timeIntervalSince1970: 1_767_225_600)) -> SandboxClock {
        SandboxClock(mode: .manual, start: start)
    }

    /// The sandbox's current time.
    public var now: Date {
        state.withLock { state in
            switch mode {
            case .manual: state.manualNow
            case .real: Date().addingTimeInterval(state.offset)
            }
        }
    }

    /// Moves the clock forward by `seconds` (either mode); negative values are ignored.
    public func advance(by seconds: TimeInterval) {
        guard seconds > 0 else { return }
        state.withLock { state in
            state.manualNow.addTimeInterval(seconds)
            state.offset += seconds
        }
    }
}
