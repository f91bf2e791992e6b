/// The actions policy knows. Anything else is denied as `unknown-action`.
public enum PolicyAction: String, Sendable, CaseIterable, Codable {
    case catalogRead = "catalog.read"
    case dashboardView = "dashboard.view"
    case jobSubmit = "job.submit"
    case jobCancel = "job.cancel"
    case jobView = "job.view"
    case tokenGet = "token.get"
    case auditRead = "audit.read"
    case clusterCreate = "cluster.create"
    case clusterDelete = "cluster.delete"

    /// Actions that change something upstream: they fail closed on a stale snapshot, because
    /// ownership may have moved since (reads keep working offline).
    public var isSensitive: Bool {
        switch self {
        case .jobSubmit, .jobCancel, .clusterCreate, .clusterDelete: true
        default: false
        }
    }

    /// What owners of an entity (directly or through nested groups) may do by default.
    static let ownerDefaults: Set<PolicyAction> = [.catalogRead, .dashboardView, .jobSubmit, .jobCancel, .jobView]
    /// What members of the owning group's parent may do by default.
    static let parentGroupDefaults: Set<PolicyAction> = [.catalogRead, .dashboardView]
}
