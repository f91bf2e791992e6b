import GatehouseCore

/// Short spellings of the JSON Schema (draft 7) pieces result descriptions are made of.
///
/// Objects are open (`additionalProperties` allowed) unless `closed`: answers may grow members
/// without breaking a script that validates against an older document.
public enum ResultSchema {
    public static let string: JSONValue = ["type": "string"]
    public static let integer: JSONValue = ["type": "integer"]
    public static let number: JSONValue = ["type": "number"]
    public static let boolean: JSONValue = ["type": "boolean"]
    /// Any JSON value (an upstream's document passed through as it came).
    public static let any: JSONValue = [:]
    /// Any JSON object.
    public static let anyObject: JSONValue = ["type": "object"]
    /// An RFC 3339 time as text.
    public static let time: JSONValue = ["type": "string", "format": "date-time"]

    /// An object with these members; `required` lists those always present.
    public static func object(_ properties: [String: JSONValue], required: [String] = [], closed: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        if closed { schema["additionalProperties"] = false }
        return .object(schema)
    }

    /// An object whose every listed member is always present.
    public static func record(_ properties: [String: JSONValue]) -> JSONValue {
        object(properties, required: properties.keys.sorted())
    }

    /// An array of `items`.
    public static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    /// `schema` or null.
    public static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }

    /// One of these strings.
    public static func oneOf(_ values: [String]) -> JSONValue { ["type": "string", "enum": .array(values.map(JSONValue.string))] }

    /// Exactly this value.
    public static func constant(_ value: JSONValue) -> JSONValue { ["const": value] }
}
