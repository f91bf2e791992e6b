import GatehouseCore

/// The query parameters one operation accepts, read from its published spec, so every route
/// rejects unknown or mistyped parameters without a hand-written list.
struct QueryParameterRules: Sendable {
    struct Rule: Sendable {
        var type: String
        var required: Bool
        var repeatable: Bool
        var allowed: [String]?
    }

    var rules: [String: Rule]

    /// Rules of an OpenAPI 3 operation (`paths[path][method].parameters`, `$ref`s resolved).
    static func openAPI(_ spec: JSONValue?, path: String, method: String) -> QueryParameterRules? {
        guard let spec, let operation = spec.value(at: ["paths", path, method.lowercased()]) else { return nil }
        let shared = spec.value(at: ["paths", path, "parameters"])?.arrayValue ?? []
        var rules: [String: Rule] = [:]
        for raw in shared + (operation["parameters"]?.arrayValue ?? []) {
            let parameter = resolve(raw, in: spec)
            guard parameter["in"]?.stringValue == "query", let name = parameter["name"]?.stringValue else { continue }
            let schema = resolve(parameter["schema"] ?? .object([:]), in: spec)
            let isArray = schema["type"]?.stringValue == "array"
            let itemType = isArray ? resolve(schema["items"] ?? .null, in: spec)["type"]?.stringValue : schema["type"]?.stringValue
            rules[name] = Rule(
                type: itemType ?? "string", required: parameter["required"]?.boolValue ?? false,
                repeatable: isArray, allowed: schema["enum"]?.arrayValue?.compactMap(\.stringValue))
        }
        return QueryParameterRules(rules: rules)
    }

    /// Rules of a Google discovery method (`parameters` with `location: query`).
    static func discovery(_ method: JSONValue?) -> QueryParameterRules? {
        guard let parameters = method?["parameters"]?.objectValue else { return nil }
        var rules: [String: Rule] = [:]
        for (name, parameter) in parameters where parameter["location"]?.stringValue == "query" {
            rules[name] = Rule(
                type: parameter["type"]?.stringValue ?? "string", required: parameter["required"]?.boolValue ?? false,
                repeatable: parameter["repeated"]?.boolValue ?? false, allowed: parameter["enum"]?.arrayValue?.compactMap(\.stringValue))
        }
        // Every Google API also takes the standard system parameters.
        for name in ["alt", "fields", "key", "prettyPrint", "quotaUser", "$.xgafv", "access_token", "callback", "uploadType", "upload_protocol"] where rules[name] == nil {
            rules[name] = Rule(type: name == "prettyPrint" ? "boolean" : "string", required: false, repeatable: false, allowed: nil)
        }
        return QueryParameterRules(rules: rules)
    }

    private static func resolve(_ value: JSONValue, in spec: JSONValue) -> JSONValue {
        guard let ref = value["$ref"]?.stringValue, ref.hasPrefix("#/") else { return value }
        return spec.value(at: ref.dropFirst(2).split(separator: "/").map(String.init)) ?? value
    }

    /// Throws a 400 naming the first parameter that breaks the rules.
    func check(_ items: [(name: String, value: String)]) throws(SandboxHTTPError) {
        var counts: [String: Int] = [:]
        for (name, value) in items {
            guard let rule = rules[name] else {
                throw .badRequest("Unknown query parameter '\(name)'. Accepted: \(rules.keys.sorted().joined(separator: ", ")).")
            }
            counts[name, default: 0] += 1
            if counts[name]! > 1, !rule.repeatable {
                throw .badRequest("Query parameter '\(name)' may be given only once.")
            }
            let typeOK: Bool = switch rule.type {
            case "integer": Int64(value) != nil
            case "number": Double(value) != nil
            case "boolean": value == "true" || value == "false"
            default: true
            }
            guard typeOK else { throw .badRequest("Query parameter '\(name)' must be of type \(rule.type), got '\(value)'.") }
            if let allowed = rule.allowed, !allowed.contains(value) {
                throw .badRequest("Query parameter '\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(value)'.")
            }
        }
        for (name, rule) in rules where rule.required && counts[name] == nil {
            throw .badRequest("Query parameter '\(name)' is required.")
        }
    }
}
