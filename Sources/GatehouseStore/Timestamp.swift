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
        // Formatted by hand: `String(format:)` goes through CoreFoundation's printf and was a
        // twentieth of the CPU of an audited request.
        var out: [UInt8] = []
        out.reserveCapacity(27)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(tm.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(tm.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(seconds.remainder), 6); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
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
