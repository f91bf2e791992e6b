import GatehouseCore

/// One entity as the by-query endpoint returns it, reduced to the fields Gatehouse asks for.
public struct BackstageEntity: Codable, Sendable {
    /// `metadata`: identity and descriptive fields.
    public struct Metadata: Codable, Sendable {
        public var name: String
        public var namespace: String?
        public var uid: String?
        public var etag: String?
        public var title: String?
        public var description: String?
        public var labels: [String: String]?
        public var annotations: [String: String]?
        public var tags: [String]?
    }

    /// One edge of the catalog graph, e.g. `{type: ownedBy, targetRef: group:default/team-a}`.
    public struct Relation: Codable, Sendable {
        public var type: String
        public var targetRef: String
    }

    public var apiVersion: String?
    public var kind: String
    public var metadata: Metadata
    public var spec: [String: JSONValue]?
    public var relations: [Relation]?

    /// The entity's own ref.
    public var ref: EntityRef {
        EntityRef(kind: kind, namespace: metadata.namespace ?? "default", name: metadata.name)
    }

    /// The ref as the catalog spells it (Backstage lowercases only the kind).
    public var displayRef: String { "\(kind.lowercased()):\(metadata.namespace ?? "default")/\(metadata.name)" }

    /// The only fields a sync requests (`fields=`), keeping pages small.
    public static let syncFields = [
        "apiVersion", "kind", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag", "metadata.title",
        "metadata.description", "metadata.labels", "metadata.annotations", "metadata.tags", "spec.type", "spec.owner",
        "spec.system", "spec.lifecycle", "spec.domain", "spec.parent", "spec.profile", "relations",
    ]

    /// A text member of `spec`.
    func specText(_ key: String) -> String? { spec?[key]?.stringValue }
}

/// One page of `GET /api/catalog/entities/by-query`.
struct BackstagePage: Decodable, Sendable {
    struct PageInfo: Decodable, Sendable {
        var nextCursor: String?
    }

    var items: [BackstageEntity]
    var totalItems: Int?
    var pageInfo: PageInfo?
}
