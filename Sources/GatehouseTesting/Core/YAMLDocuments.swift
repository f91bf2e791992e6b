import Foundation
import GatehouseCore
import Yams

/// Reads (multi-document) YAML into JSON values with Yams.
enum YAMLDocuments {
    /// Every non-empty document of `text`.
    static func load(_ text: String) throws -> [JSONValue] {
        try Yams.load_all(yaml: text).compactMap { document in
            let value = json(from: document)
            return value.isNull ? nil : value
        }
    }

    /// Converts what Yams constructs (dictionaries, arrays, scalars, dates) into JSON.
    static func json(from value: Any?) -> JSONValue {
        switch value {
        case nil: .null
        case let value as Bool: .bool(value)
        case let value as Int: .int(Int64(value))
        case let value as Double: .double(value)
        case let value as String: .string(value)
        case let value as Date: .string(ISO8601DateFormatter().string(from: value))
        case let value as [Any]: .array(value.map { json(from: $0) })
        case let value as [String: Any]: .object(value.mapValues { json(from: $0) })
        case let value as [AnyHashable: Any]:
            .object(Dictionary(value.map { ("\($0.key)", json(from: $0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: .null
        }
    }
}
