import GatehouseCore

/// Checks a JSON body against the `schemas` of a Google discovery document, recursively: unknown
/// field names and wrong JSON types are rejected with Google's own wording.
struct DiscoverySchemaValidator: Sendable {
    let schemas: [String: JSONValue]

    /// A validator over the discovery document's schemas (empty, accepting everything, when absent).
    init(discovery: JSONValue?) {
        schemas = discovery?["schemas"]?.objectValue ?? [:]
    }

    /// Property names of a schema (e.g. the job-type fields of `Job`).
    func propertyNames(of schema: String) -> [String] {
        schemas[schema]?["properties"]?.objectValue.map { Array($0.keys) } ?? []
    }

    /// Validates `value` as an instance of the named schema.
    func validate(_ value: JSONValue, as schema: String, at path: String = "") throws(SandboxHTTPError) {
        guard let definition = schemas[schema] else { return }
        try validate(value, against: definition, at: path)
    }

    private func validate(_ value: JSONValue, against definition: JSONValue, at path: String) throws(SandboxHTTPError) {
        if let ref = definition["$ref"]?.stringValue {
            guard let target = schemas[ref] else { return }
            return try validate(value, against: target, at: path)
        }
        let location = path.isEmpty ? "" : " at '\(path)'"
        switch definition["type"]?.stringValue {
        case "object":
            guard let members = value.objectValue else {
                throw .badRequest("Invalid JSON payload received. Expected an object\(location).")
            }
            if let properties = definition["properties"]?.objectValue {
                for (name, member) in members {
                    guard let property = properties[name] else {
                        throw .badRequest("Invalid JSON payload received. Unknown name \"\(name)\"\(location): Cannot find field.")
                    }
                    try validate(member, against: property, at: path.isEmpty ? name : "\(path).\(name)")
                }
            } else if let additional = definition["additionalProperties"] {
                for (name, member) in members { try validate(member, against: additional, at: "\(path)[\(name)]") }
            }
        case "array":
            guard let elements = value.arrayValue else {
                throw .badRequest("Invalid JSON payload received. Expected a list\(location).")
            }
            let items = definition["items"] ?? .object([:])
            for (index, element) in elements.enumerated() { try validate(element, against: items, at: "\(path)[\(index)]") }
        case "string":
            let isInt64 = ["int64", "uint64"].contains(definition["format"]?.stringValue ?? "")
            guard value.stringValue != nil || (isInt64 && value.intValue != nil) else {
                throw .badRequest("Invalid value\(location) (TYPE_STRING), \(value.canonicalString)")
            }
            if let allowed = definition["enum"]?.arrayValue?.compactMap(\.stringValue), let text = value.stringValue, !allowed.contains(text) {
                throw .badRequest("Invalid value\(location) (TYPE_ENUM), \"\(text)\"")
            }
        case "integer":
            guard value.intValue != nil || value.stringValue.flatMap({ Int64($0) }) != nil else {
                throw .badRequest("Invalid value\(location) (TYPE_INT32), \(value.canonicalString)")
            }
        case "number":
            guard value.doubleValue != nil else { throw .badRequest("Invalid value\(location) (TYPE_DOUBLE), \(value.canonicalString)") }
        case "boolean":
            guard value.boolValue != nil else { throw .badRequest("Invalid value\(location) (TYPE_BOOL), \(value.canonicalString)") }
        default:
            return
        }
    }
}
