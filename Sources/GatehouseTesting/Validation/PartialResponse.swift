import GatehouseCore

/// Google's partial response: the `fields` system parameter selects which parts of a JSON
/// answer come back (`fields=jobs(reference,status/state),nextPageToken`). A `/` path selects
/// inside an object, `(…)` selects several members of one, `*` keeps every member, and arrays
/// apply the selection to each element. Selected names the answer lacks are left out, not errors.
struct PartialResponse: Sendable {
    private enum Selection: Sendable {
        case all
        case members([String: Selection])
    }

    private let root: [String: Selection]

    /// Parses a `fields` value; malformed text is a 400 naming it.
    init(_ text: String) throws(SandboxHTTPError) {
        var parser = Parser(characters: Array(text.filter { !$0.isWhitespace }))
        guard let root = parser.selection(), parser.atEnd else {
            throw .badRequest("Invalid field selection \(text)")
        }
        self.root = root
    }

    /// `value` reduced to the selection.
    func apply(to value: JSONValue) -> JSONValue {
        Self.apply(.members(root), to: value)
    }

    private static func apply(_ selection: Selection, to value: JSONValue) -> JSONValue {
        guard case .members(let members) = selection else { return value }
        if let elements = value.arrayValue { return .array(elements.map { apply(selection, to: $0) }) }
        guard let object = value.objectValue else { return value }
        if case .all? = members["*"] { return value }
        var kept: [String: JSONValue] = [:]
        for (name, inner) in members {
            if let member = object[name] { kept[name] = apply(inner, to: member) }
        }
        return .object(kept)
    }

    private static func merge(_ lhs: Selection, _ rhs: Selection) -> Selection {
        switch (lhs, rhs) {
        case (.members(let left), .members(let right)): .members(left.merging(right) { merge($0, $1) })
        default: .all
        }
    }

    /// `selection := item (',' item)*`, `item := name ('/' name)* ['(' selection ')']`.
    private struct Parser {
        var characters: [Character]
        var index = 0

        var atEnd: Bool { index == characters.count }

        mutating func selection() -> [String: Selection]? {
            var result: [String: Selection] = [:]
            repeat {
                guard let (name, inner) = item() else { return nil }
                result[name] = result[name].map { merge($0, inner) } ?? inner
            } while consume(",")
            return result
        }

        private mutating func item() -> (String, Selection)? {
            guard let first = name() else { return nil }
            var path = [first]
            while consume("/") {
                guard let next = name() else { return nil }
                path.append(next)
            }
            var leaf = Selection.all
            if consume("(") {
                guard let inner = selection(), consume(")") else { return nil }
                leaf = .members(inner)
            }
            let nested = path.dropFirst().reversed().reduce(leaf) { inner, name in .members([name: inner]) }
            return (path[0], nested)
        }

        private mutating func name() -> String? {
            let start = index
            while index < characters.count, !",/()".contains(characters[index]) { index += 1 }
            return index > start ? String(characters[start..<index]) : nil
        }

        private mutating func consume(_ character: Character) -> Bool {
            guard index < characters.count, characters[index] == character else { return false }
            index += 1
            return true
        }
    }
}
