import Foundation

/// The `filter` text of the Dataproc list methods, read into `field = value` clauses.
///
/// Grammar (from the discovery document): `field = value [AND field = value]…`; values may be
/// quoted; `clusters.list` also treats space-separated clauses as an implicit AND.
struct DataprocFilter {
    /// One `field = value` clause.
    struct Clause {
        var field: String
        var value: String
    }

    let clauses: [Clause]

    init(_ text: String, implicitAnd: Bool) throws(SandboxHTTPError) {
        let tokens = DataprocFilterToken.split(text)
        var clauses: [Clause] = []
        var index = 0
        while index < tokens.count {
            guard index + 2 < tokens.count, tokens[index + 1].isOperator("="), !tokens[index].isOperator("="), !tokens[index + 2].isOperator("=")
            else {
                let rest = tokens[index...].map(\.text).joined(separator: " ")
                throw .badRequest("Invalid filter clause '\(rest)': use field = value, e.g. status.state = ACTIVE AND labels.env = staging.")
            }
            clauses.append(Clause(field: tokens[index].text, value: tokens[index + 2].text))
            index += 3
            if index < tokens.count {
                if tokens[index].isOperator("AND") {
                    index += 1
                } else if !implicitAnd {
                    throw .badRequest("Invalid filter: clauses must be joined by AND, found '\(tokens[index].text)'.")
                }
            }
        }
        self.clauses = clauses
    }
}
