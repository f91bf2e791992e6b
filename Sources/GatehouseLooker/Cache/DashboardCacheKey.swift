/// Which cached copy: one per Looker identity and dashboard, because Looker users see different content.
public struct DashboardCacheKey: Hashable, Sendable, CustomStringConvertible {
    public var lookerUser: String
    public var dashboardID: String

    /// A key for `dashboardID` as seen by `lookerUser`.
    public init(lookerUser: String, dashboardID: String) {
        self.lookerUser = lookerUser
        self.dashboardID = dashboardID
    }

    /// The row's primary key, also bound into the seal so a copy moved to another row fails to open.
    public var description: String { "\(lookerUser)/\(dashboardID)" }

    /// The sealing context.
    var sealContext: String { "looker.dashboard:\(description)" }
}
