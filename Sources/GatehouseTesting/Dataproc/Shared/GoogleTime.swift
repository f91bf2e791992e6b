import Foundation

/// Google's JSON forms of `google.protobuf.Timestamp` (RFC 3339) and `Duration` (`"600s"`).
enum GoogleTime {
    /// RFC 3339 with fractional seconds, as Google APIs write timestamps.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds.
    static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Parses a Duration: decimal seconds with up to nine fraction digits and an `s` suffix.
    static func seconds(fromDuration text: String) -> TimeInterval? {
        guard text.range(of: #"^[0-9]+(\.[0-9]{1,9})?s$"#, options: .regularExpression) != nil else { return nil }
        return TimeInterval(text.dropLast())
    }

    /// A Duration as Google writes it (`"600s"`, `"1.5s"`).
    static func duration(_ seconds: TimeInterval) -> String {
        seconds.rounded() == seconds ? "\(Int64(seconds))s" : "\(seconds)s"
    }
}
