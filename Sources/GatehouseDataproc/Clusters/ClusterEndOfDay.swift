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
