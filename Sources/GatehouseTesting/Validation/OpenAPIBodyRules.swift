import GatehouseCore

/// The top-level shape of an OpenAPI component schema (property names, JSON types, required
/// names), used to reject request bodies the upstream's spec does not allow.
struct OpenAPIBodyRules: Sendable {
    let properties: [String: String]
    let required: [String]

    /// Rules of `components.schemas[name]`, nil when the spec or the schema is absent.
    init?(spec: JSONValue?, schema name: String) {
        guard let schema = spec?.value(at: ["components", "schemas", name]), let members = schema["properties"]?.objectValue else { return nil }
        properties = members.mapValues { $0["type"]?.stringValue ?? "object" }
        required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Throws a 400 naming the first unknown, mistyped or missing field.
    func check(_ body: JSONValue) throws(SandboxHTTPError) {
        guard let members = body.objectValue else { throw .badRequest("The request body must be a JSON object.") }
        for (name, value) in members {
            guard let type = properties[name] else {
                throw .badRequest("Unknown body field '\(name)'. Allowed: \(properties.keys.sorted().joined(separator: ", ")).")
            }
            if value.isNull { continue }
            let matches: Bool =
                switch type {
                case "string": value.stringValue != nil
                case "integer": value.intValue != nil
                case "number": value.doubleValue != nil
                case "boolean": value.boolValue != nil
                case "array": value.arrayValue != nil
                default: value.objectValue != nil
                }
            guard matches else { throw .badRequest("Body field '\(name)' must be of type \(type).") }
        }
        for name in required where members[name] == nil || members[name]?.isNull == true {
            throw .badRequest("Body field '\(name)' is required.")
        }
    }
}
