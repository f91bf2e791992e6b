import Foundation
import GatehouseCore
import Yams

/// Why the configuration could not be used; every message names the key and says what it takes.
public enum ConfigError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, detail: String)
    case notYAML(path: String, detail: String)
    /// The file passes a size, nesting or alias-expansion limit.
    case overLimit(path: String, detail: String)
    case unknownKey(String, source: String, suggestion: String?)
    case badValue(key: String, value: String, expected: String, source: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): "cannot read config file \(path): \(detail)"
        case .notYAML(let path, let detail): "config file \(path) is not valid YAML: \(detail)"
        case .overLimit(let path, let detail): "config file \(path) is refused: \(detail)"
        case .unknownKey(let key, let source, let suggestion):
            "unknown config key `\(key)` in \(source)" + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
                + " (`gatehouse config keys` lists them all)"
        case .badValue(let key, let value, let expected, let source):
            "config key `\(key)` in \(source) is \"\(value)\"; expected \(expected)"
        }
    }
}

/// Resolved configuration: defaults, then the YAML file, then `GATEHOUSE_*` variables, then flags.
public struct Config: Sendable {
    private var values: [String: String] = [:]
    /// Where each value came from (`default`, the file path, an env var name, `--flag`).
    public private(set) var sources: [String: String] = [:]

    /// Loads and validates. `file` may be nil (no config file); `flags` are dotted keys set by CLI flags.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment, flags: [String: String] = [:]
    ) throws(ConfigError) -> Config {
        var config = Config()
        for key in ConfigKeys.all {
            if let value = key.defaultValue { config.set(key.path, value, source: "default") }
        }
        if let file {
            try config.merge(fileAt: file)
        }
        for key in ConfigKeys.all {
            if let value = environment[key.environmentName] {
                try config.validateAndSet(key.path, value, source: key.environmentName)
            }
        }
        // A misspelt variable would otherwise be silently ignored; tools' own GATEHOUSE_* variables
        // (not near any key) are left alone.
        let known = ConfigKeys.all.map(\.environmentName)
        for name in environment.keys where name.hasPrefix("GATEHOUSE_") && !known.contains(name) {
            if let suggestion = NearestName.closest(to: name, in: known) {
                throw .unknownKey(name, source: "the environment", suggestion: suggestion)
            }
        }
        for (path, value) in flags {
            try config.validateAndSet(path, value, source: "--\(path.replacingOccurrences(of: "_", with: "-"))")
        }
        return config
    }

    /// The text value of `path`, if set (features read typed `Setting`s instead).
    func string(_ path: String) -> String? { values[path] }
    /// The value of `path` fit to print: a URL's `user:password@` (a proxy's, say) becomes `***@`.
    public func displayValue(_ path: String) -> String? { values[path].map(Self.masked) }

    /// `text` with the credentials of any `scheme://user:password@host` in it replaced by `***`.
    static func masked(_ text: String) -> String {
        text.replacing(/(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*:\/\/)[^\/@\s]*@/) { match in "\(match.output.scheme)***@" }
    }

    /// The value of `setting`: as configured (validated at load), else its declared default.
    public subscript<Value>(setting: Setting<Value>) -> Value { setting.decode(values[setting.key.path]) }

    /// Where `setting`'s value came from, for messages.
    public func source<Value>(of setting: Setting<Value>) -> String { sources[setting.key.path] ?? "default" }

    /// The items of a list value (comma-separated text internally).
    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private mutating func set(_ path: String, _ value: String, source: String) {
        values[path] = value
        sources[path] = source
    }

    private mutating func merge(fileAt path: String) throws(ConfigError) {
        let bounds = YAMLBounds.configuration
        let text: String
        do {
            text = try FileReader.text(path, limit: bounds.maxBytes)
        } catch .tooLarge {
            throw .overLimit(path: path, detail: "it is larger than the \(bounds.maxBytes)-byte limit")
        } catch {
            throw .unreadable(path: path, detail: error.reason)
        }
        do {
            try bounds.check(text)
        } catch .syntax {
            // Yams says where and what; it is asked below.
        } catch {
            throw .overLimit(path: path, detail: error.description)
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw .notYAML(path: path, detail: "\(error)")
        }
        guard let document else { return }  // an empty file configures nothing
        guard let root = document as? [String: Any] else {
            throw .notYAML(path: path, detail: "the top level must be a mapping of keys")
        }
        for (key, value) in flatten(root, prefix: "") {
            try validateAndSet(key, value, source: path)
        }
    }

    private func flatten(_ mapping: [String: Any], prefix: String) -> [(String, Any)] {
        mapping.flatMap { key, value -> [(String, Any)] in
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let nested = value as? [String: Any], ConfigKeys.key(path) == nil {
                return flatten(nested, prefix: path)
            }
            return [(path, value)]
        }
    }

    private mutating func validateAndSet(_ path: String, _ raw: Any, source: String) throws(ConfigError) {
        guard let key = ConfigKeys.key(path) else {
            throw .unknownKey(path, source: source, suggestion: NearestName.closest(to: path, in: ConfigKeys.all.map(\.path)))
        }
        let text: String
        switch raw {
        case let list as [Any]: text = list.map { "\($0)" }.joined(separator: ",")
        default: text = "\(raw)"
        }
        func bad() -> ConfigError { .badValue(key: path, value: text, expected: key.kindDescription, source: source) }
        switch key.kind {
        case .string, .path, .stringList:
            break
        case .url:
            // Empty means unset (e.g. `GATEHOUSE_CATALOG_BASE_URL=` to turn a sync off).
            guard text.isEmpty || Self.isHTTPURL(text) else { throw bad() }
        case .int(let range):
            guard let number = Int(text), range.contains(number) else { throw bad() }
        case .number(let range):
            guard let number = Double(text), range.contains(number) else { throw bad() }
        case .parsed(_, let isValid):
            guard text.isEmpty || isValid(text) else { throw bad() }
        case .bool:
            guard ["true", "false"].contains(text.lowercased()) else { throw bad() }
            set(path, text.lowercased(), source: source)
            return
        case .choice(let options):
            guard options.contains(text) else { throw bad() }
        case .intList:
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard items.allSatisfy({ Int($0) != nil }) else { throw bad() }
        }
        set(path, text, source: source)
    }

    /// True for an absolute http or https URL with a host: what every upstream URL must be. Checked at
    /// start-up, so `catalog.base_url: "not a url"` stops the daemon with the key's name rather than
    /// failing at the first sync.
    static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else { return false }
        return !text.contains(where: \.isWhitespace)
    }
}
