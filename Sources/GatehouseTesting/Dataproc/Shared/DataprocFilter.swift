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
        let tokens = Self.tokens(text)
        var clauses: [Clause] = []
        var index = 0
        while index < tokens.count {
            guard index + 2 < tokens.count, tokens[index + 1] == "=", tokens[index] != "=", tokens[index + 2] != "=" else {
                let rest = tokens[index...].joined(separator: " ")
                throw .badRequest("Invalid filter clause '\(rest)': use field = value, e.g. status.state = ACTIVE AND labels.env = staging.")
            }
            clauses.append(Clause(field: tokens[index], value: tokens[index + 2]))
            index += 3
            if index < tokens.count {
                if tokens[index] == "AND" {
                    index += 1
                } else if !implicitAnd {
                    throw .badRequest("Invalid filter: clauses must be joined by AND, found '\(tokens[index])'.")
                }
            }
        }
        self.clauses = clauses
    }

    /// Splits on whitespace, makes `=` a token of its own, and keeps quoted text whole (unquoted).
    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        var quoted = false  // a quoted empty value ("") is still a token
        func flush() {
            if !current.isEmpty || quoted { tokens.append(current) }
            current = ""
            quoted = false
        }
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                quoted = true
            } else if character.isWhitespace {
                flush()
            } else if character == "=" {
                flush()
                tokens.append("=")
            } else {
                current.append(character)
            }
        }
        flush()
        return tokens
    }
}
