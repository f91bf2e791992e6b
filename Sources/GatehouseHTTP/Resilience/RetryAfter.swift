import Foundation
import GatehouseCore

/// The `Retry-After` response header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
enum RetryAfter {
    /// The longest wait honoured; a server asking for more (`Retry-After: 1e30`) gets this.
    static let maximum: Double = 86_400

    /// How long the server asked us to wait (at most `maximum`), or nil when the header is absent or unreadable.
    static func delay(in headers: HTTPHeaders, now: Date = Date()) -> Duration? {
        guard let raw = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let seconds = Int(raw) { return seconds >= 0 ? .seconds(min(Double(seconds), maximum)) : nil }
        guard let date = httpDate(raw) else { return nil }
        return .milliseconds(OutsideNumbers.milliseconds(date.timeIntervalSince(now), clampedTo: 0...maximum))
    }

    /// IMF-fixdate first, then the two obsolete forms recipients must still accept.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
