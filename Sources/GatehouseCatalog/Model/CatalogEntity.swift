import Foundation
import GRDB
import GatehouseCore

/// One entity of the current snapshot, as the store keeps it.
public struct CatalogEntity: Sendable, Codable, Equatable, FetchableRecord {
    /// The lowercased ref, `kind:namespace/name`.
    public var ref: String
    /// The ref as the catalog spells it.
    public var displayRef: String
    public var kind: String
    public var namespace: String
    public var name: String
    public var uid: String?
    public var etag: String?
    public var title: String?
    public var description: String?
    public var type: String?
    /// `spec.owner` as a normalised ref.
    public var owner: String?
    /// `spec.system` as a normalised ref.
    public var system: String?
    public var lifecycle: String?
    public var annotations: [String: String]
    public var labels: [String: String]

    /// Reads a `catalog_entities` row.
    public init(row: Row) throws {
        ref = row["ref"]
        displayRef = row["display_ref"]
        kind = row["kind"]
        namespace = row["namespace"]
        name = row["name"]
        uid = row["uid"]
        etag = row["etag"]
        title = row["title"]
        description = row["description"]
        type = row["type"]
        owner = row["owner"]
        system = row["system"]
        lifecycle = row["lifecycle"]
        annotations = Self.stringMap(row["annotations"])
        labels = Self.stringMap(row["labels"])
    }

    /// The entity as a JSON object for RPC answers.
    public var json: JSONValue { (try? JSONValue(encoding: self)) ?? .null }

    /// A stored `{"key": "value"}` column; anything else reads as empty. Read with `JSONParser`, not
    /// `JSONDecoder`: every entity read (each `catalog.get`, each uncached policy decision) reads two.
    private static func stringMap(_ text: String?) -> [String: String] {
        guard let text, case .object(let members)? = try? JSONParser.parse(text.utf8) else { return [:] }
        var map: [String: String] = [:]
        map.reserveCapacity(members.count)
        for (key, value) in members {
            guard case .string(let string) = value else { return [:] }
            map[key] = string
        }
        return map
    }
}
