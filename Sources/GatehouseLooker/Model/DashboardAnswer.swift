import Foundation
import GatehouseCore

/// A dashboard with where it came from: the stale-while-revalidate verdict the caller sees.
public struct DashboardAnswer: Sendable, Equatable {
    /// How the answer was produced.
    public enum Source: String, Sendable {
        /// Fetched from Looker for this call (nothing usable was cached).
        case fetched
        /// From the cache, younger than `looker.fresh_ttl`.
        case fresh
        /// From the cache, older than the TTL; a background refresh was started.
        case stale
    }

    public var dashboard: LookerDashboard
    /// `dashboard` as a JSON object, rendered once when it was cached.
    public var json: JSONValue
    /// When Looker produced the data.
    public var fetchedAt: Date
    public var source: Source
    /// True when Looker is known to be unreachable right now (the answer is the last good copy).
    public var offline: Bool
    /// The Looker identity the data was fetched as.
    public var lookerUser: String

    /// Whether the data is older than the TTL.
    public var stale: Bool { source == .stale }
}
