import Foundation
import GatehouseCore

/// The bounds on numbers the IdP and STS send, applied before any of them becomes a date or a
/// duration (see `OutsideNumbers` for why).
enum UpstreamNumbers {
    /// Longest lifetime a token is kept as; an IdP announcing longer is refreshed after this anyway.
    static let maximumTokenLifetime: TimeInterval = 86_400
    /// Lifetimes beyond this are no lifetime at all (`expires_in: 1e300`): the answer is refused.
    static let implausibleLifetime: TimeInterval = 366 * 86_400
    /// A device-flow polling interval beyond this is refused; within it, polls wait 1…60 s.
    static let implausibleInterval: TimeInterval = 3600
    static let pollingInterval: ClosedRange<Double> = 1...60

    /// The lifetime in seconds of `field` (default one hour when absent), shortened to
    /// `maximumTokenLifetime`; refused when it is not a positive number up to `implausibleLifetime`.
    static func lifetime(_ value: Double?, field: String, upstream: String = "idp") throws(IdentityError) -> TimeInterval {
        guard let value else { return 3600 }
        guard let accepted = OutsideNumbers.checked(value, within: 1...implausibleLifetime) else {
            throw .outOfRange(upstream: upstream, field: field, value: "\(value)", accepted: "1…\(Int(implausibleLifetime)) seconds")
        }
        return min(accepted, maximumTokenLifetime)
    }

    /// The device flow's polling interval (RFC 8628 §3.2; 5 s when absent), within `pollingInterval`.
    static func interval(_ value: Double?) throws(IdentityError) -> TimeInterval {
        guard let value else { return 5 }
        guard OutsideNumbers.checked(value, within: 0...implausibleInterval) != nil else {
            throw .outOfRange(upstream: "idp", field: "interval", value: "\(value)", accepted: "0…\(Int(implausibleInterval)) seconds")
        }
        return OutsideNumbers.clamped(value, to: pollingInterval) ?? 5
    }
}
