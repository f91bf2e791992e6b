import GatehouseCore

extension JSONValue {
    /// The member at a dotted path (`metadata.name`), or nil when any step is missing.
    func value(at path: String) -> JSONValue? {
        value(at: path.split(separator: ".").map(String.init))
    }

    /// The member at a path of keys.
    func value(at keys: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// A copy with `newValue` set at a path of keys, creating objects on the way.
    func setting(_ keys: ArraySlice<String>, to newValue: JSONValue) -> JSONValue {
        guard let key = keys.first else { return newValue }
        var members = objectValue ?? [:]
        members[key] = (members[key] ?? .object([:])).setting(keys.dropFirst(), to: newValue)
        return .object(members)
    }

    /// Strings of a string or array-of-strings member (Backstage allows both for many spec fields).
    var stringList: [String] {
        switch self {
        case .string(let value): [value]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }

    /// Only the given dotted paths, as Backstage's `fields` and Looker's `fields` partial responses do.
    func projected(onto paths: [String]) -> JSONValue {
        var result: JSONValue = .object([:])
        for path in paths {
            let keys = path.split(separator: ".").map(String.init)
            if let member = value(at: keys) { result = result.setting(keys[...], to: member) }
        }
        return result
    }
}
