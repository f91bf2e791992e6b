import GatehouseCore

/// One entity as the by-query endpoint returns it: the document as received, plus the fields
/// Gatehouse indexes, read out of it.
///
/// Read from `JSONValue` rather than through Codable: a sync handles every entity of the catalog
/// (100k in the benchmark), and typed decoding followed by re-encoding for storage was most of a
/// sync's CPU.
public struct BackstageEntity: Sendable {
    /// `metadata`: identity and descriptive fields.
    public struct Metadata: Sendable {
        public var name: String
        public var namespace: String?
        public var uid: String?
        public var etag: String?
        public var title: String?
        public var description: String?
    }

    /// One edge of the catalog graph, e.g. `{type: ownedBy, targetRef: group:default/team-a}`.
    public struct Relation: Sendable {
        public var type: String
        public var targetRef: String
    }

    /// The entity exactly as Backstage sent it (restricted to `syncFields`).
    public var document: JSONValue
    public var kind: String
    public var metadata: Metadata
    public var relations: [Relation]

    /// Reads an entity; nil when it lacks a `kind` or `metadata.name` (such an entity cannot be referred to).
    public init?(_ document: JSONValue) {
        guard let kind = document["kind"]?.stringValue, let name = document["metadata"]?["name"]?.stringValue else { return nil }
        let metadata = document["metadata"]
        self.document = document
        self.kind = kind
        self.metadata = Metadata(
            name: name, namespace: metadata?["namespace"]?.stringValue, uid: metadata?["uid"]?.stringValue,
            etag: metadata?["etag"]?.stringValue, title: metadata?["title"]?.stringValue,
            description: metadata?["description"]?.stringValue)
        self.relations = (document["relations"]?.arrayValue ?? []).compactMap { relation in
            guard let type = relation["type"]?.stringValue, let target = relation["targetRef"]?.stringValue else { return nil }
            return Relation(type: type, targetRef: target)
        }
    }

    /// The entity's own ref.
    public var ref: EntityRef {
        EntityRef(kind: kind, namespace: metadata.namespace ?? "default", name: metadata.name)
    }

    /// The ref as the catalog spells it (Backstage lowercases only the kind).
    public var displayRef: String { "\(kind.lowercased()):\(metadata.namespace ?? "default")/\(metadata.name)" }

    /// `metadata.annotations` (an object; empty when absent).
    public var annotations: JSONValue { document["metadata"]?["annotations"] ?? .object([:]) }
    /// `metadata.labels` (an object; empty when absent).
    public var labels: JSONValue { document["metadata"]?["labels"] ?? .object([:]) }
    /// The `spec` member, if any.
    public var spec: JSONValue? { document["spec"] }

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
struct BackstagePage: Sendable {
    var items: [BackstageEntity]
    var totalItems: Int?
    var nextCursor: String?
    /// Items that could not be read (no kind or name); counted, not stored.
    var skipped: Int

    /// Reads a page; nil when the body is not a by-query page at all.
    init?(_ body: JSONValue) {
        guard let items = body["items"]?.arrayValue else { return nil }
        self.items = items.compactMap(BackstageEntity.init)
        self.skipped = items.count - self.items.count
        self.totalItems = body["totalItems"]?.intValue.map(Int.init)
        self.nextCursor = body["pageInfo"]?["nextCursor"]?.stringValue
    }
}
