import Crypto
import Foundation
import GatehouseCore

/// One stored entity, prepared once so that pages are served without re-encoding or re-flattening.
struct CatalogEntity: Sendable {
    let ref: EntityRef
    let uid: String
    /// The full entity as Backstage returns it (uid, etag, namespace, relations filled in).
    let value: JSONValue
    /// `value` encoded once.
    let json: Data
    /// Lowercased search keys to lowercased values, like Backstage's `search` table.
    let search: [String: [String]]

    /// Backstage truncates long search values; the sandbox skips them instead.
    static let maxSearchValueLength = 200

    /// Fills in what the catalog adds to an entity and prepares it for serving.
    init(raw: JSONValue, ref: EntityRef, relations: [JSONValue]) {
        self.ref = ref
        let uid = Self.deterministicUUID(for: ref.key)
        var entity = raw
        entity = entity.setting(["metadata", "namespace"], to: .string(ref.namespace))
        entity = entity.setting(["metadata", "uid"], to: .string(uid))
        entity = entity.setting(["relations"], to: .array(relations))
        let withoutEtag = entity.canonicalString
        entity = entity.setting(["metadata", "etag"], to: .string(SHA256.hash(data: Data(withoutEtag.utf8)).hexString.prefix(40).description))
        self.uid = uid
        self.value = entity
        self.json = JSONResponse.encode(entity)
        var search: [String: [String]] = [:]
        Self.flatten(entity, prefix: "", into: &search)
        self.search = search
    }

    /// A stable UUID-formatted id derived from the ref, so restarts keep uids.
    static func deterministicUUID(for key: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(key.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.hexString
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }

    private static func flatten(_ value: JSONValue, prefix: String, into search: inout [String: [String]]) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let path = prefix.isEmpty ? key.lowercased() : "\(prefix).\(key.lowercased())"
                if path == "relations" {
                    for relation in member.arrayValue ?? [] {
                        if let type = relation["type"]?.stringValue, let target = relation["targetRef"]?.stringValue {
                            search["relations.\(type.lowercased())", default: []].append(target.lowercased())
                        }
                    }
                } else {
                    flatten(member, prefix: path, into: &search)
                }
            }
        case .array(let elements):
            for element in elements {
                if let text = scalarText(element) { search[prefix, default: []].append(text) }
            }
        default:
            if let text = scalarText(value) { search[prefix, default: []].append(text) }
        }
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        let text: String? =
            switch value {
            case .string(let string): string
            case .int(let int): String(int)
            case .double(let double): String(double)
            case .bool(let bool): String(bool)
            default: nil
            }
        guard let text, text.count <= maxSearchValueLength else { return nil }
        return text.lowercased()
    }
}
