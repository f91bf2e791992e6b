import Foundation
import GatehouseCore

/// Durations as people write them (`90m`, `2h`, `1d`, `3600s`, `1h30m`) and as Google's
/// `google-duration` fields take them (`"5400s"`).
///
/// Hand-written because Foundation has no parser for this compact form and the grammar is four units.
public enum ClusterDuration {
    private static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// Seconds in `text`, or nil when it is not a positive duration of `s`, `m`, `h` and `d` parts.
    public static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        var total = 0
        var digits = ""
        for character in trimmed {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let value = Int(digits) {
                // People type these; "9223372036854775807d" must be refused, not overflow.
                let (part, overflowed) = value.multipliedReportingOverflow(by: unit)
                let (sum, overflowedSum) = total.addingReportingOverflow(part)
                guard !overflowed, !overflowedSum else { return nil }
                total = sum
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, total > 0 else { return nil }
        return total
    }

    /// Google's duration string: `"3600s"`.
    public static func google(_ seconds: Int) -> String { "\(seconds)s" }

    /// The seconds of a Google duration string (`"3600s"`, `"3600.5s"`), rounded down.
    public static func seconds(google text: String?) -> Int? {
        // Bounded before the conversion, which traps beyond Int's range (`"1e300s"` from an upstream).
        guard let text, text.hasSuffix("s"), let value = Double(text.dropLast()),
            let seconds = OutsideNumbers.checked(value, within: 0...3_153_600_000)
        else { return nil }
        return Int(seconds)
    }

    /// A short human form: `2h`, `1h30m`, `45m`, `30s`.
    public static func describe(_ seconds: Int) -> String {
        var rest = seconds
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.isEmpty ? "0s" : parts.joined()
    }
}
