import GatehouseCore

/// Checks a JSON body against the `schemas` of a Google discovery document, recursively: unknown
/// field names and wrong JSON types are rejected with Google's own wording.
///
/// What it accepts is what a proto3 JSON parser accepts: field names in lowerCamelCase or as the
/// proto field name (`snake_case`), and enums as names or numbers. `normalized` returns the body
/// in one form (camelCase names, enum names), so handlers and stored resources see one spelling.
///
/// Independent of GatehouseDataproc's `DiscoverySchemas` on purpose: this plays Google's server and
/// judges what clients send (ours and Google's SDKs); judging our client with our client's own
/// reading of the spec would hide exactly the mistakes it is here to catch.
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
        _ = try normalized(value, as: schema, at: path)
    }

    /// Validates `value` as an instance of the named schema and returns it with camelCase field
    /// names and enum names where numbers were sent.
    func normalized(_ value: JSONValue, as schema: String, at path: String = "") throws(SandboxHTTPError) -> JSONValue {
        guard let definition = schemas[schema] else { return value }
        return try normalized(value, against: definition, in: schema, property: nil, at: path)
    }

    /// `schema` is the schema whose `properties` hold `definition` (it names enum numberings).
    private func normalized(
        _ value: JSONValue, against definition: JSONValue, in schema: String, property: String?, at path: String
    ) throws(SandboxHTTPError) -> JSONValue {
        if let ref = definition["$ref"]?.stringValue {
            guard let target = schemas[ref] else { return value }
            return try normalized(value, against: target, in: ref, property: nil, at: path)
        }
        let location = path.isEmpty ? "" : " at '\(path)'"
        switch definition["type"]?.stringValue {
        case "object":
            guard let members = value.objectValue else {
                throw .badRequest("Invalid JSON payload received. Expected an object\(location).")
            }
            var result: [String: JSONValue] = [:]
            if let properties = definition["properties"]?.objectValue {
                for (sent, member) in members {
                    let name = properties[sent] != nil ? sent : Self.lowerCamelCase(sent)
                    guard let property = properties[name] else {
                        throw .badRequest("Invalid JSON payload received. Unknown name \"\(sent)\"\(location): Cannot find field.")
                    }
                    result[name] = try normalized(member, against: property, in: schema, property: name, at: path.isEmpty ? name : "\(path).\(name)")
                }
            } else if let additional = definition["additionalProperties"] {
                for (name, member) in members {
                    result[name] = try normalized(member, against: additional, in: schema, property: property, at: "\(path)[\(name)]")
                }
            } else {
                return value
            }
            return .object(result)
        case "array":
            guard let elements = value.arrayValue else {
                throw .badRequest("Invalid JSON payload received. Expected a list\(location).")
            }
            let items = definition["items"] ?? .object([:])
            var result: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                result.append(try normalized(element, against: items, in: schema, property: property, at: "\(path)[\(index)]"))
            }
            return .array(result)
        case "string":
            if let allowed = definition["enum"]?.arrayValue?.compactMap(\.stringValue) {
                return try enumName(value, among: allowed, key: property.map { "\(schema).\($0)" }, location: location)
            }
            let isInt64 = ["int64", "uint64"].contains(definition["format"]?.stringValue ?? "")
            guard value.stringValue != nil || (isInt64 && value.intValue != nil) else {
                throw .badRequest("Invalid value\(location) (TYPE_STRING), \(value.canonicalString)")
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
            break
        }
        return value
    }

    /// An enum value as its name: sent as a name, or as the proto number (`ProtoEnumNumbers`).
    private func enumName(_ value: JSONValue, among allowed: [String], key: String?, location: String) throws(SandboxHTTPError) -> JSONValue {
        if let text = value.stringValue {
            guard allowed.contains(text) else { throw .badRequest("Invalid value\(location) (TYPE_ENUM), \"\(text)\"") }
            return value
        }
        guard let number = value.intValue, let name = ProtoEnumNumbers.name(of: number, among: allowed, key: key) else {
            throw .badRequest("Invalid value\(location) (TYPE_ENUM), \(value.canonicalString)")
        }
        return .string(name)
    }

    /// `driver_log_levels` → `driverLogLevels`: proto3 JSON parsers accept the proto field name too.
    static func lowerCamelCase(_ name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first, parts.count > 1 else { return name }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
