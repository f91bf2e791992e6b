import Foundation
import GatehouseCore

/// Checks JSON values against the `schemas` of a Google discovery document: field names, types,
/// `$ref`s, arrays, maps and enums, and fields the server sets (`readOnly`), which a client must not send.
///
/// Written here because discovery documents are not JSON Schema (no `required`, `readOnly` on
/// properties, `$ref` by bare name) and no Swift library reads them; the rules it applies are the
/// few the format has.
public struct DiscoverySchemas: Sendable {
    private let schemas: [String: JSONValue]

    /// Schemas by name, as in a discovery document's `schemas` member.
    public init(schemas: [String: JSONValue]) {
        self.schemas = schemas
    }

    /// Property names of schema `name`.
    public func properties(of name: String) -> [String] {
        schemas[name]?["properties"]?.objectValue?.keys.sorted() ?? []
    }

    /// Every problem of `value` as an instance of schema `name`, each naming the field path; empty when valid.
    public func problems(_ value: JSONValue, as name: String, path: String = "job") -> [String] {
        var found: [String] = []
        check(value, against: ["$ref": .string(name)], path: path, into: &found)
        return found
    }

    private func check(_ value: JSONValue, against schema: JSONValue, path: String, into found: inout [String]) {
        if schema["readOnly"]?.boolValue == true {
            found.append("\(path) is set by Dataproc and cannot be sent")
            return
        }
        if let ref = schema["$ref"]?.stringValue {
            guard let target = schemas[ref] else { return }
            return check(value, against: target, path: path, into: &found)
        }
        switch schema["type"]?.stringValue {
        case "object":
            guard case .object(let members) = value else { return found.append("\(path) must be an object") }
            if let properties = schema["properties"]?.objectValue {
                for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                    guard let property = properties[key] else {
                        found.append("\(path).\(key) is not a field of \(path) (known: \(properties.keys.sorted().joined(separator: ", ")))")
                        continue
                    }
                    check(member, against: property, path: "\(path).\(key)", into: &found)
                }
            } else if let additional = schema["additionalProperties"] {
                for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                    check(member, against: additional, path: "\(path).\(key)", into: &found)
                }
            }
        case "array":
            guard case .array(let items) = value else { return found.append("\(path) must be an array") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { check(item, against: itemSchema, path: "\(path)[\(index)]", into: &found) }
            }
        case "string":
            // int64 fields travel as strings in Google APIs.
            guard case .string(let text) = value else { return found.append("\(path) must be a string") }
            if let allowed = schema["enum"]?.arrayValue?.compactMap(\.stringValue), !allowed.contains(text) {
                found.append("\(path) must be one of \(allowed.joined(separator: ", ")), not \(text)")
            }
        case "integer":
            switch value {
            case .int: break
            case .double(let number) where number.rounded() == number: break
            default: found.append("\(path) must be an integer")
            }
        case "number":
            switch value {
            case .int, .double: break
            default: found.append("\(path) must be a number")
            }
        case "boolean":
            if case .bool = value {} else { found.append("\(path) must be true or false") }
        default:
            break
        }
    }
}
