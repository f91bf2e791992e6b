import Foundation

/// The one textual time format the store uses: RFC 3339 UTC with microseconds, which sorts as text.
public enum Timestamp {
    /// `date` as `2026-11-23T09:21:00.123456Z`.
    public static func string(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        var seconds = micros.quotientAndRemainder(dividingBy: 1_000_000)
        if seconds.remainder < 0 {
            // Before 1970 the remainder is negative; borrow a second so the fraction counts forward.
            seconds = (seconds.quotient - 1, seconds.remainder + 1_000_000)
        }
        var tm = tm()
        var time = time_t(seconds.quotient)
        gmtime_r(&time, &tm)
        // Formatted by hand, straight into the string's storage: `String(format:)` goes through
        // CoreFoundation's printf and was a twentieth of the CPU of an audited request.
        return String(unsafeUninitializedCapacity: 27) { out in
            var position = 0
            func digits(_ value: Int, _ width: Int, then separator: Character) {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    out[position + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                out[position + width] = separator.asciiValue!
                position += width + 1
            }
            digits(Int(tm.tm_year) + 1900, 4, then: "-")
            digits(Int(tm.tm_mon) + 1, 2, then: "-")
            digits(Int(tm.tm_mday), 2, then: "T")
            digits(Int(tm.tm_hour), 2, then: ":")
            digits(Int(tm.tm_min), 2, then: ":")
            digits(Int(tm.tm_sec), 2, then: ".")
            digits(Int(seconds.remainder), 6, then: "Z")
            return position
        }
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
