/// The `filter` of `jobs.list`: clauses joined by AND, each `status.state = ACTIVE|NON_ACTIVE`
/// or `labels.<key> = <value>` (values may be quoted), as documented for the API.
struct DataprocJobFilter {
    private var state: String?
    private var labels: [String: String] = [:]

    init(_ text: String) throws(SandboxHTTPError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        for clause in trimmed.components(separatedBy: " AND ") {
            let sides = clause.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2 else {
                throw .badRequest("Invalid filter clause '\(clause)': use field = value, e.g. status.state = ACTIVE AND labels.env = staging.")
            }
            let value = sides[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if sides[0] == "status.state" {
                guard value == "ACTIVE" || value == "NON_ACTIVE" else {
                    throw .badRequest("Invalid filter: status.state must be ACTIVE or NON_ACTIVE, got '\(value)'.")
                }
                state = value
            } else if sides[0].hasPrefix("labels.") {
                labels[String(sides[0].dropFirst("labels.".count))] = value
            } else {
                throw .badRequest("Invalid filter field '\(sides[0])': only status.state and labels.<key> can be filtered.")
            }
        }
    }

    func matches(active: Bool, labels jobLabels: [String: JSONValue]) -> Bool {
        if state == "ACTIVE" && !active || state == "NON_ACTIVE" && active { return false }
        return labels.allSatisfy { jobLabels[$0.key]?.stringValue == $0.value }
    }
}

import Foundation
import GatehouseCore
