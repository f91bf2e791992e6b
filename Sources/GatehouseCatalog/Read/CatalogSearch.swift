import GRDB

/// Filters of `catalog.search`; every given filter must match.
public struct CatalogSearch: Sendable, Codable, Equatable {
    public var kind: String?
    /// An owner ref (default kind `group`).
    public var owner: String?
    /// A system ref (default kind `system`).
    public var system: String?
    public var lifecycle: String?
    /// Words to find in name, title or description (SQLite FTS5; each word may be a prefix).
    public var text: String?
    /// At most this many results (1…1000, default 100).
    public var limit: Int?

    /// A search; nil filters match everything.
    public init(kind: String? = nil, owner: String? = nil, system: String? = nil, lifecycle: String? = nil, text: String? = nil, limit: Int? = nil) {
        self.kind = kind
        self.owner = owner
        self.system = system
        self.lifecycle = lifecycle
        self.text = text
        self.limit = limit
    }

    func sql(snapshot: Int64) -> (String, StatementArguments) {
        var clauses = ["e.snapshot_id = ?"]
        var arguments: StatementArguments = [snapshot]
        if let kind {
            clauses.append("e.kind = ?")
            arguments += [kind.lowercased()]
        }
        if let owner, let ref = EntityRef.lenient(owner, defaultKind: "group") {
            clauses.append("e.owner = ?")
            arguments += [ref.description]
        }
        if let system, let ref = EntityRef.lenient(system, defaultKind: "system") {
            clauses.append("e.system = ?")
            arguments += [ref.description]
        }
        if let lifecycle {
            clauses.append("e.lifecycle = ?")
            arguments += [lifecycle.lowercased()]
        }
        if let match = text.flatMap(Self.ftsQuery) {
            clauses.append("e.id IN (SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH ?)")
            arguments += [match]
        }
        arguments += [min(max(limit ?? 100, 1), 1000)]
        return ("SELECT e.* FROM catalog_entities e WHERE \(clauses.joined(separator: " AND ")) ORDER BY +e.ref LIMIT ?", arguments)
    }

    /// User text as an FTS5 query: each word quoted (so no FTS syntax leaks through) and matched as a prefix.
    static func ftsQuery(_ text: String) -> String? {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { "\"\($0)\"*" }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
