/// The `filter` of `clusters.list`, as its discovery text documents it: `status.state`,
/// `clusterName` or `labels.<key>`, joined by AND (or spaces); `*` matches any value;
/// `ACTIVE` means CREATING, UPDATING or RUNNING and `INACTIVE` means DELETING, ERROR, STOPPING or STOPPED.
struct DataprocClusterFilter {
    private static let groups: [String: Set<String>] = [
        "ACTIVE": ["CREATING", "UPDATING", "RUNNING"],
        "INACTIVE": ["DELETING", "ERROR", "STOPPING", "STOPPED"],
    ]
    private static let states: Set<String> = ["CREATING", "RUNNING", "ERROR", "DELETING", "UPDATING", "STOPPING", "STOPPED"]

    private let clauses: [DataprocFilter.Clause]

    init(_ text: String) throws(SandboxHTTPError) {
        clauses = try DataprocFilter(text, implicitAnd: true).clauses
        for clause in clauses {
            switch clause.field {
            case "status.state":
                guard clause.value == "*" || Self.groups[clause.value] != nil || Self.states.contains(clause.value) else {
                    throw .badRequest(
                        "Invalid filter: status.state must be one of ACTIVE, INACTIVE, \(Self.states.sorted().joined(separator: ", ")), got '\(clause.value)'."
                    )
                }
            case "clusterName":
                break
            case let field where field.hasPrefix("labels.") && field.count > "labels.".count:
                break
            default:
                throw .badRequest("Invalid filter field '\(clause.field)': use status.state, clusterName or labels.<key>.")
            }
        }
    }

    /// True when a cluster in `state` with `name` and `labels` (as shown) passes every clause.
    func matches(state: String, name: String, labels: [String: String]) -> Bool {
        clauses.allSatisfy { clause in
            let actual: String? =
                switch clause.field {
                case "status.state": state
                case "clusterName": name
                default: labels[String(clause.field.dropFirst("labels.".count))]
                }
            guard let actual else { return false }
            if clause.value == "*" { return true }
            if clause.field == "status.state", let group = Self.groups[clause.value] { return group.contains(actual) }
            return actual == clause.value
        }
    }
}
