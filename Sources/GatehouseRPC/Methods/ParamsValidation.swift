import GatehouseCore

/// Holds a request's params to the schema `system.methods` advertises for its method, so what is
/// advertised is what is enforced: unknown members (`additionalProperties: false`), required
/// members, types, `enum`, `minimum`/`maximum` and array `items`. It reads the descriptors' own
/// schemas (a small subset of JSON Schema) instead of a second copy of the rules; a schema keyword
/// it does not know is not enforced.
public enum ParamsValidation {
    /// A params member that does not fit; `field` is its path (`params.limit`).
    public struct Violation: Sendable, Equatable {
        public var field: String
        public var problem: String

        /// The -32602 answer naming the field.
        public var rpcError: RPCError {
            RPCError(
                code: RPCErrorCode.invalidParams.rawValue, message: "Invalid params",
                data: ["reason": "invalid_params", "field": .string(field), "detail": .string("\(field) \(problem)")])
        }
    }

    /// The first violation of `schema` by `params` (absent params read as `{}`), or nil when they fit.
    public static func violation(of params: JSONValue?, against schema: JSONValue) -> Violation? {
        // By-position params (an array) are the handler's to read: the schemas describe objects.
        if case .array? = params { return nil }
        return check(params ?? .object([:]), schema, at: "params")
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, at path: String) -> Violation? {
        guard case .object(let rules) = schema else { return nil }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            return Violation(field: path, problem: "must be one of \(allowed.map(\.canonicalString).joined(separator: ", "))")
        }
        if let type = rules["type"], !matches(value, type) {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? "?"]
            return Violation(field: path, problem: "must be \(names.map(article).joined(separator: " or "))")
        }
        if let number = value.doubleValue {
            if let minimum = rules["minimum"]?.doubleValue, number < minimum {
                return Violation(field: path, problem: "must be at least \(rules["minimum"]!.canonicalString)")
            }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum {
                return Violation(field: path, problem: "must be at most \(rules["maximum"]!.canonicalString)")
            }
        }
        if case .array(let items) = value, let itemSchema = rules["items"] {
            for (index, item) in items.enumerated() {
                if let violation = check(item, itemSchema, at: "\(path).\(index)") { return violation }
            }
        }
        guard case .object(let members) = value else { return nil }
        let properties = rules["properties"]?.objectValue ?? [:]
        for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            return Violation(field: "\(path).\(name)", problem: "is required")
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[name] {
                if let violation = check(member, propertySchema, at: "\(path).\(name)") { return violation }
            } else if rules["additionalProperties"] == .bool(false) {
                let nearest = NearestName.closest(to: name, in: Array(properties.keys))
                let known = properties.keys.sorted().joined(separator: ", ")
                return Violation(
                    field: "\(path).\(name)",
                    problem: "is not a parameter of this method"
                        + (nearest.map { "; did you mean \($0)?" } ?? (known.isEmpty ? " (it takes none)" : " (it takes \(known))")))
            } else if let additional = rules["additionalProperties"], additional.objectValue != nil {
                if let violation = check(member, additional, at: "\(path).\(name)") { return violation }
            }
        }
        return nil
    }

    private static func matches(_ value: JSONValue, _ type: JSONValue) -> Bool {
        if let alternatives = type.arrayValue { return alternatives.contains { matches(value, $0) } }
        switch (type.stringValue, value) {
        case ("object"?, .object), ("array"?, .array), ("string"?, .string), ("boolean"?, .bool), ("null"?, .null): return true
        case ("integer"?, _): return value.intValue != nil
        case ("number"?, _): return value.doubleValue != nil
        case (nil, _): return true
        default: return false
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "object", "array", "integer": "an \(type)"
        case "null": "null"
        default: "a \(type)"
        }
    }
}
