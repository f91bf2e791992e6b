import Foundation

/// The one textual time format the store uses: RFC 3339 UTC with microseconds, which sorts as text.
public enum Timestamp {
    /// `date` as `2026-11-23T09:21:00.123456Z`.
    public static func string(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var tm = tm()
        var time = time_t(seconds.quotient)
        gmtime_r(&time, &tm)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, Int32(seconds.remainder))
    }

    /// The current time, formatted.
    public static func now() -> String { string(Date()) }

    /// Parses the store's format, and plain RFC 3339 / ISO 8601 (with or without fractions).
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: .iso8601)
    }
}
