import Foundation

/// Numbers that came from outside (an upstream's answer, a header, a stored row), checked before
/// they become a date, a duration or an integer. Swift traps when an out-of-range `Double` is
/// converted to an integer or a `Duration`, so one hostile `expires_in: 1e300` would otherwise
/// stop the daemon, and a stored copy of it would stop it again on every start.
public enum OutsideNumbers {
    /// `value` when it is finite and within `bounds`, else nil.
    public static func checked(_ value: Double, within bounds: ClosedRange<Double>) -> Double? {
        value.isFinite && bounds.contains(value) ? value : nil
    }

    /// `value` moved into `bounds`; nil when it is not a finite number at all.
    public static func clamped(_ value: Double, to bounds: ClosedRange<Double>) -> Double? {
        guard value.isFinite else { return nil }
        return min(max(value, bounds.lowerBound), bounds.upperBound)
    }

    /// The Unix time of `date` in whole seconds, clamped to years 0001…9999 instead of trapping
    /// (what JSON answers and `expiresAtUnix` fields carry).
    public static func unixSeconds(_ date: Date) -> Int64 {
        Int64(clamped(date.timeIntervalSince1970.rounded(.down), to: -62_135_596_800...253_402_300_799) ?? 0)
    }

    /// Milliseconds of `seconds` for a wait, clamped into `bounds` (a non-number waits the least).
    public static func milliseconds(_ seconds: Double, clampedTo bounds: ClosedRange<Double>) -> Int {
        Int((clamped(seconds, to: bounds) ?? bounds.lowerBound) * 1000)
    }
}
