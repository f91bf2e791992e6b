import Foundation

/// The `filter` of `batches.list`, as its discovery description gives it: clauses on
/// `batch_id`, `batch_uuid`, `state`, `create_time` and `labels.<key>`, joined by AND and OR
/// (either case, as the description's own example writes `and`). Following AIP-160, OR binds
/// tighter than AND: `a AND b OR c` is `a AND (b OR c)`. Parentheses are not served.
struct DataprocBatchFilter {
    private struct Clause {
        var field: String
        var comparison: String
        var value: String
    }

    /// Clauses ANDed together, each a list of alternatives ORed together.
    private let groups: [[Clause]]

    private static let comparisons: Set<String> = ["=", "!=", "<", ">", "<=", ">="]

    init(_ text: String) throws(SandboxHTTPError) {
        let tokens = DataprocFilterToken.split(text)
        var groups: [[Clause]] = []
        var alternatives: [Clause] = []
        var index = 0
        while index < tokens.count {
            guard index + 2 < tokens.count, !tokens[index + 1].quoted, Self.comparisons.contains(tokens[index + 1].text), !tokens[index].quoted else {
                let rest = tokens[index...].map(\.text).joined(separator: " ")
                throw .badRequest("Invalid filter clause '\(rest)': use field = value, e.g. state = RUNNING AND labels.env = dev.")
            }
            let clause = Clause(field: tokens[index].text, comparison: tokens[index + 1].text, value: tokens[index + 2].text)
            try Self.check(clause)
            alternatives.append(clause)
            index += 3
            guard index < tokens.count else { break }
            switch tokens[index].text.uppercased() {
            case "OR": break
            case "AND":
                groups.append(alternatives)
                alternatives = []
            default: throw .badRequest("Invalid filter: clauses are joined by AND or OR, found '\(tokens[index].text)'.")
            }
            index += 1
            guard index < tokens.count else { throw .badRequest("Invalid filter: it ends with '\(tokens[index - 1].text)'.") }
        }
        if !alternatives.isEmpty { groups.append(alternatives) }
        self.groups = groups
    }

    private static func check(_ clause: Clause) throws(SandboxHTTPError) {
        switch clause.field {
        case "create_time":
            guard GoogleTime.date(from: clause.value) != nil else {
                throw .badRequest("Invalid filter: create_time takes an RFC 3339 timestamp such as \"2026-01-01T00:00:00Z\", got '\(clause.value)'.")
            }
        case "batch_id", "batch_uuid", "state":
            guard clause.comparison == "=" || clause.comparison == "!=" else {
                throw .badRequest("Invalid filter: \(clause.field) takes = or !=, got '\(clause.comparison)'.")
            }
        default:
            guard clause.field.hasPrefix("labels."), clause.comparison == "=" || clause.comparison == "!=" else {
                throw .badRequest(
                    "Invalid filter field '\(clause.field)': use batch_id, batch_uuid, state, create_time or labels.<key> (labels take = or !=).")
            }
        }
    }

    /// True when `batch` in `state` satisfies every group.
    func matches(_ batch: DataprocBatch, state: String, labels: [String: String]) -> Bool {
        groups.allSatisfy { alternatives in
            alternatives.contains { clause in
                let actual: String? =
                    switch clause.field {
                    case "batch_id": batch.batchId
                    case "batch_uuid": batch.uuid
                    case "state": state
                    case "create_time": nil
                    default: labels[String(clause.field.dropFirst("labels.".count))]
                    }
                if clause.field == "create_time", let bound = GoogleTime.date(from: clause.value) {
                    return Self.compare(batch.createdAt, bound, clause.comparison)
                }
                return clause.comparison == "=" ? actual == clause.value : actual != clause.value
            }
        }
    }

    private static func compare(_ lhs: Date, _ rhs: Date, _ comparison: String) -> Bool {
        switch comparison {
        case "=": lhs == rhs
        case "!=": lhs != rhs
        case "<": lhs < rhs
        case ">": lhs > rhs
        case "<=": lhs <= rhs
        default: lhs >= rhs
        }
    }
}
