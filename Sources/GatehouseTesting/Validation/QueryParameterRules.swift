import GatehouseCore

/// The query parameters one operation accepts, read from its published spec, so every route
/// rejects unknown or mistyped parameters without a hand-written list.
struct QueryParameterRules: Sendable {
    struct Rule: Sendable {
        var type: String
        var required: Bool
        var repeatable: Bool
        var allowed: [String]?
        /// A Google system parameter: also accepted with a `$` prefix (`$alt`, `$fields`), and its
        /// value may carry `;`-separated options (`alt=json;enum-encoding=int`).
        var system = false
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

    /// Rules of a Google discovery method (`parameters` with `location: query`) plus the system
    /// parameters every method of the API takes (the document's top-level `parameters`: `alt`,
    /// `fields`, `key`, `prettyPrint`, `quotaUser`, `$.xgafv`, …).
    static func discovery(_ method: JSONValue?, in document: JSONValue?) -> QueryParameterRules? {
        guard let parameters = method?["parameters"]?.objectValue else { return nil }
        var rules: [String: Rule] = [:]
        func add(_ parameters: [String: JSONValue], system: Bool) {
            for (name, parameter) in parameters where parameter["location"]?.stringValue == "query" && rules[name] == nil {
                rules[name] = Rule(
                    type: parameter["type"]?.stringValue ?? "string", required: parameter["required"]?.boolValue ?? false,
                    repeatable: parameter["repeated"]?.boolValue ?? false, allowed: parameter["enum"]?.arrayValue?.compactMap(\.stringValue),
                    system: system)
            }
        }
        add(parameters, system: false)
        add(document?["parameters"]?.objectValue ?? [:], system: true)
        return QueryParameterRules(rules: rules)
    }

    private static func resolve(_ value: JSONValue, in spec: JSONValue) -> JSONValue {
        guard let ref = value["$ref"]?.stringValue, ref.hasPrefix("#/") else { return value }
        return spec.value(at: ref.dropFirst(2).split(separator: "/").map(String.init)) ?? value
    }

    /// Throws a 400 naming the first parameter that breaks the rules.
    func check(_ items: [(name: String, value: String)]) throws(SandboxHTTPError) {
        _ = try admitted(items)
    }

    /// The items after the rules: `$`-prefixed system parameters under their plain names, enum
    /// numbers as their names (proto3 JSON's two encodings). Throws a 400 naming the first
    /// parameter that breaks the rules.
    func admitted(_ items: [(name: String, value: String)]) throws(SandboxHTTPError) -> AdmittedQuery {
        var counts: [String: Int] = [:]
        var admitted: [(name: String, value: String)] = []
        for (sent, sentValue) in items {
            guard let (name, rule) = lookup(sent) else {
                throw .badRequest("Unknown query parameter '\(sent)'. Accepted: \(rules.keys.sorted().joined(separator: ", ")).")
            }
            counts[name, default: 0] += 1
            if counts[name]! > 1, !rule.repeatable {
                throw .badRequest("Query parameter '\(name)' may be given only once.")
            }
            var value = sentValue
            let typeOK: Bool =
                switch rule.type {
                case "integer": Int64(value) != nil
                case "number": Double(value) != nil
                case "boolean": value == "true" || value == "false"
                default: true
                }
            guard typeOK else { throw .badRequest("Query parameter '\(name)' must be of type \(rule.type), got '\(value)'.") }
            if let allowed = rule.allowed {
                let base = rule.system ? String(value.prefix { $0 != ";" }) : value
                if !allowed.contains(base) {
                    guard !rule.system, let number = Int64(value), let named = ProtoEnumNumbers.name(of: number, among: allowed, key: nil) else {
                        throw .badRequest("Query parameter '\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(value)'.")
                    }
                    value = named
                }
            }
            admitted.append((name, value))
        }
        for (name, rule) in rules where rule.required && counts[name] == nil {
            throw .badRequest("Query parameter '\(name)' is required.")
        }
        return AdmittedQuery(items: admitted)
    }

    /// The rule for a sent name: the name itself, or a system parameter behind a `$` prefix.
    private func lookup(_ sent: String) -> (String, Rule)? {
        if let rule = rules[sent] { return (sent, rule) }
        if sent.hasPrefix("$"), let rule = rules[String(sent.dropFirst())], rule.system { return (String(sent.dropFirst()), rule) }
        return nil
    }
}

/// A request's query after its rules (see `QueryParameterRules.admitted`).
struct AdmittedQuery: Sendable {
    /// Every item in order, under canonical names with enum names for numbers.
    var items: [(name: String, value: String)]

    /// The last value of a parameter (a repeat overrides, as in Google's front ends).
    subscript(_ name: String) -> String? { items.last { $0.name == name }?.value }
}
