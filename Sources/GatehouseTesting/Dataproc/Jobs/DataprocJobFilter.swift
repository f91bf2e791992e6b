import GatehouseCore

/// The `filter` of `jobs.list`: clauses joined by AND, each `status.state = ACTIVE|NON_ACTIVE`
/// or `labels.<key> = <value>` (values may be quoted), as documented for the API.
struct DataprocJobFilter {
    private var state: String?
    private var labels: [String: String] = [:]

    init(_ text: String) throws(SandboxHTTPError) {
        for clause in try DataprocFilter(text, implicitAnd: false).clauses {
            if clause.field == "status.state" {
                guard clause.value == "ACTIVE" || clause.value == "NON_ACTIVE" else {
                    throw .badRequest("Invalid filter: status.state must be ACTIVE or NON_ACTIVE, got '\(clause.value)'.")
                }
                state = clause.value
            } else if clause.field.hasPrefix("labels.") {
                labels[String(clause.field.dropFirst("labels.".count))] = clause.value
            } else {
                throw .badRequest("Invalid filter field '\(clause.field)': only status.state and labels.<key> can be filtered.")
            }
        }
    }

    func matches(active: Bool, labels jobLabels: [String: JSONValue]) -> Bool {
        if state == "ACTIVE" && !active || state == "NON_ACTIVE" && active { return false }
        return labels.allSatisfy { jobLabels[$0.key]?.stringValue == $0.value }
    }
}
