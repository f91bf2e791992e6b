import Foundation

/// The local time of day (`clusters.end_of_day`, `HH:MM`) at which the day's clusters are torn down.
public struct ClusterEndOfDay: Sendable, Equatable {
    /// Minutes after local midnight.
    public let minutes: Int

    /// `HH:MM` (24-hour), or nil when `text` is not a time of day.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        self.minutes = hours * 60 + minutes
    }

    /// The first instant after `now` at which `calendar`'s local time reads this time of day.
    public func next(after now: Date, calendar: Calendar = .current) -> Date {
        let components = DateComponents(hour: minutes / 60, minute: minutes % 60, second: 0)
        return calendar.nextDate(after: now, matching: components, matchingPolicy: .nextTime) ?? now.addingTimeInterval(86_400)
    }
}

/// When the end-of-day teardown is due, judged by the wall clock at every check, so that a clock that
/// jumps (a laptop waking from sleep, an NTP step) neither skips nor repeats a day's teardown.
public struct ClusterEndOfDaySchedule: Sendable {
    /// The longest pause between checks: how late a jump of the wall clock past the deadline is noticed.
    public static let maxPause: TimeInterval = 30

    public let endOfDay: ClusterEndOfDay
    /// The next end of day to act on.
    public private(set) var deadline: Date
    private let calendar: Calendar

    /// A schedule whose first deadline is the first end of day after `now`.
    public init(_ endOfDay: ClusterEndOfDay, now: Date, calendar: Calendar = .current) {
        self.endOfDay = endOfDay
        self.calendar = calendar
        self.deadline = endOfDay.next(after: now, calendar: calendar)
    }

    /// Whether the teardown is due at `now`; when it is, the deadline moves to the next end of day after
    /// both `now` and the one just passed, so a clock set back afterwards does not bring the same one again.
    public mutating func fire(now: Date) -> Bool {
        guard now >= deadline else { return false }
        deadline = endOfDay.next(after: max(now, deadline), calendar: calendar)
        return true
    }

    /// How long to wait before asking `fire` again.
    public func pause(now: Date) -> TimeInterval {
        min(Self.maxPause, max(1, deadline.timeIntervalSince(now)))
    }
}
