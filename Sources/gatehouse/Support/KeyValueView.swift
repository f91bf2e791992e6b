import Foundation
import GatehouseCore

/// Groups of aligned `key  value` lines for people, from JSON objects: camelCase keys read as
/// words, nested objects as `key value, key value`, empty things as "none", null as "-".
struct KeyValueView {
    private var groups: [(title: String?, rows: [(String, String)])] = []

    /// Adds a titled group of an object's members, sorted by key.
    mutating func add(_ title: String?, _ object: [String: JSONValue]) {
        groups.append((title, object.sorted { $0.key < $1.key }.map { (Self.words($0.key), Self.text($0.value)) }))
    }

    /// Adds a group of rows as given.
    mutating func add(_ title: String?, rows: [(String, String)]) {
        groups.append((title, rows))
    }

    /// Prints every group, values aligned in one column and cut to the terminal's width.
    func print(width: Int? = Terminal.width) {
        let keyWidth = (groups.flatMap { $0.rows.map(\.0.count) }.max() ?? 0) + 2
        for (index, group) in groups.enumerated() {
            if index > 0 { Swift.print() }
            let indent = group.title == nil ? "" : "  "
            if let title = group.title { Swift.print(title) }
            for (key, value) in group.rows {
                let line = indent + key.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + value
                Swift.print(Terminal.fit(line, width))
            }
        }
    }

    /// `cachedTokens` → `cached tokens`; `ttlSeconds` → `ttl seconds`.
    static func words(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase, !result.isEmpty { result.append(" ") }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// One line for a value of any shape.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text.isEmpty ? "-" : text
        case .bool(let flag): flag ? "yes" : "no"
        case .array(let items): items.isEmpty ? "none" : items.map(text).joined(separator: ", ")
        case .object(let members):
            members.isEmpty ? "none" : members.sorted { $0.key < $1.key }.map { "\(words($0.key)) \(text($0.value))" }.joined(separator: ", ")
        default: value.canonicalString
        }
    }
}
