import Foundation

/// One documented configuration key. The registry of keys is the single source for parsing,
/// validation, `GATEHOUSE_*` environment overrides, `gatehouse config keys` and docs/configuration.md.
public struct ConfigKey: Sendable {
    /// The kind of value a key takes.
    public enum Kind: Sendable {
        case string
        case path
        /// An absolute http:// or https:// URL with a host.
        case url
        case int(ClosedRange<Int>)
        /// A decimal number in the range.
        case number(ClosedRange<Double>)
        case bool
        case choice([String])
        case stringList
        case intList
        /// Text of its own syntax, described for people and checked by the function.
        case parsed(String, @Sendable (String) -> Bool)
    }

    /// Dotted path in the file, e.g. `rpc.max_frame_bytes`.
    public let path: String
    public let kind: Kind
    /// The default as text (nil: unset unless configured).
    public let defaultValue: String?
    /// One line for the docs.
    public let summary: String

    /// Declares a key; features declare theirs as typed `Setting`s.
    init(_ path: String, _ kind: Kind, default defaultValue: String?, _ summary: String) {
        self.path = path
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
    }

    /// `GATEHOUSE_` + the path in capitals with dots as underscores.
    public var environmentName: String {
        "GATEHOUSE_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// A short description of the accepted values, for errors and docs.
    public var kindDescription: String {
        switch kind {
        case .string: "text"
        case .path: "a file path"
        case .url: "an http:// or https:// URL with a host"
        case .int(let range): "an integer \(range.lowerBound)…\(range.upperBound)"
        case .number(let range): "a number \(range.lowerBound)…\(range.upperBound)"
        case .bool: "true or false"
        case .choice(let options): "one of " + options.joined(separator: ", ")
        case .stringList: "a list of text"
        case .intList: "a list of integers"
        case .parsed(let syntax, _): syntax
        }
    }
}
