import Foundation
import GatehouseCore

/// Groups of aligned `key  value` lines for people, from JSON objects: camelCase keys read as
/// words, nested objects as `key value, key value`, empty things as "none", null as "-".
struct KeyValueView {
    private var groups: [(title: String?, rows: [(String, String)])] = []

    /// Adds a titled group of an object's members, sorted by key.
    mutating func add(_ title: String?, _ object: [String: JSONValue]) {
        var rows: [(String, String)] = []
        for member in object.sorted(by: { $0.key < $1.key }) {
            // A bigger nested object reads better as indented rows than as one long line.
            if let nested = member.value.objectValue, nested.count > 3 {
                rows.append((Self.words(member.key), ""))
                rows += nested.sorted { $0.key < $1.key }.map(Self.row).map { ("  " + $0.0, $0.1) }
            } else {
                rows.append(Self.row(member))
            }
        }
        groups.append((title, rows))
    }

    /// One member as a row; `…Seconds` read as a duration and `…Bytes` as a size, in the CLI's one style.
    static func row(_ member: (key: String, value: JSONValue)) -> (String, String) {
        let (key, value) = member
        if key.hasSuffix("Seconds"), key != "Seconds", let seconds = value.doubleValue {
            return (words(String(key.dropLast("Seconds".count))), Output.duration(seconds: seconds))
        }
        if key == "bytes" || key.hasSuffix("Bytes"), let bytes = value.intValue {
            return (words(key), Output.size(bytes: bytes))
        }
        return (words(key), text(value))
    }

    /// Adds a group of rows as given.
    mutating func add(_ title: String?, rows: [(String, String)]) {
        groups.append((title, rows))
    }

    /// Adds `other`'s groups after these.
    mutating func append(_ other: KeyValueView) {
        groups += other.groups
    }

    /// Prints every group, values aligned in one column and cut to the terminal's width.
    func print(width: Int? = Terminal.width) {
        // Keys of titled groups are indented by two: the values still line up in one column.
        let keyWidth = (groups.flatMap { group in group.rows.map { $0.0.count + (group.title == nil ? 0 : 2) } }.max() ?? 0) + 2
        for (index, group) in groups.enumerated() {
            if index > 0 { Swift.print() }
            let indent = group.title == nil ? "" : "  "
            if let title = group.title { Swift.print(title) }
            for (key, value) in group.rows {
                let label = (indent + key).padding(toLength: keyWidth, withPad: " ", startingAt: 0)
                // A long value wraps under itself instead of losing its end (a path, what a job would run).
                guard let width, width - keyWidth >= 20 else {
                    Swift.print(Terminal.fit(label + value, width))
                    continue
                }
                for (number, piece) in Self.wrap(value, width - keyWidth).enumerated() {
                    Swift.print((number == 0 ? label : String(repeating: " ", count: keyWidth)) + piece)
                }
            }
        }
    }

    /// `text` in lines of at most `width` characters, broken at spaces where it can and anywhere where it must.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            var rest = (line.isEmpty ? "" : line + " ") + word
            while rest.count > width {
                lines.append(String(rest.prefix(width)))
                rest = String(rest.dropFirst(width))
            }
            line = rest
        }
        lines.append(line)
        return lines
    }

    /// `cachedTokens` → `cached tokens`; `freshTTLSeconds` → `fresh ttl seconds`; names that are not
    /// camelCase (`PENDING_APPROVAL`, `europe-west1`) stay as they are.
    static func words(_ key: String) -> String {
        guard key.first?.isLowercase == true, !key.contains("_"), !key.contains("-") else { return key }
        let characters = Array(key)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                // A word starts after a lowercase letter or digit, or where an acronym meets the next word.
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result.append(" ") }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// One line for a value of any shape.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text.isEmpty ? "-" : TerminalText.sanitized(text)
        case .bool(let flag): flag ? "yes" : "no"
        case .array(let items): items.isEmpty ? "none" : items.map(text).joined(separator: ", ")
        case .object(let members):
            members.isEmpty ? "none" : members.sorted { $0.key < $1.key }.map { "\(words($0.key)) \(text($0.value))" }.joined(separator: ", ")
        default: value.canonicalString
        }
    }
}
