import Foundation

/// A configuration key and the Swift type it is read as: the key's one declaration. `config[setting]`
/// gives the validated value, or the declared default, so no reader repeats a key's name or default.
public struct Setting<Value: Sendable>: Sendable {
    /// The key as documented (path, kind, default, summary).
    public let key: ConfigKey
    /// Text to value. The text passed `key.kind`'s validation at load, so this never meets bad input;
    /// nil means unset (no default, or an empty value).
    let decode: @Sendable (String?) -> Value

    init(_ key: ConfigKey, decode: @escaping @Sendable (String?) -> Value) {
        self.key = key
        self.decode = decode
    }
}

extension Setting where Value == String? {
    /// Free text (a client id, an audience); empty reads as nil, so a default can be turned off with "".
    public static func text(_ path: String, default value: String? = nil, _ summary: String) -> Self {
        .init(ConfigKey(path, .string, default: value, summary)) { $0.nonEmpty }
    }

    /// A file path; unset or empty reads as nil.
    public static func path(_ path: String, _ summary: String) -> Self {
        .init(ConfigKey(path, .path, default: nil, summary)) { $0.nonEmpty }
    }

    /// An absolute http(s) URL with no default; unset or empty (turning a feature off) reads as nil.
    public static func url(_ path: String, _ summary: String) -> Self {
        .init(ConfigKey(path, .url, default: nil, summary)) { $0.nonEmpty }
    }
}

extension Setting where Value == String {
    /// Free text with a default; empty reads as the default.
    public static func text(_ path: String, default value: String, _ summary: String) -> Self {
        .init(ConfigKey(path, .string, default: value, summary)) { $0.nonEmpty ?? value }
    }

    /// An absolute http(s) URL with a default (a public Google endpoint, say).
    public static func url(_ path: String, default value: String, _ summary: String) -> Self {
        .init(ConfigKey(path, .url, default: value, summary)) { $0.nonEmpty ?? value }
    }
}

extension Setting where Value == Int {
    /// An integer in `range`.
    public static func integer(_ path: String, _ range: ClosedRange<Int>, default value: Int, _ summary: String) -> Self {
        .init(ConfigKey(path, .int(range), default: String(value), summary)) { $0.flatMap { Int($0) } ?? value }
    }
}

extension Setting where Value == Int? {
    /// An integer in `range` with no default.
    public static func optionalInteger(_ path: String, _ range: ClosedRange<Int>, _ summary: String) -> Self {
        .init(ConfigKey(path, .int(range), default: nil, summary)) { $0.flatMap { Int($0) } }
    }
}

extension Setting where Value == Duration {
    /// Whole seconds in `range`, read as a duration (the key's name ends in `_seconds`).
    public static func seconds(_ path: String, _ range: ClosedRange<Int>, default value: Int, _ summary: String) -> Self {
        .init(ConfigKey(path, .int(range), default: String(value), summary)) { .seconds($0.flatMap { Int($0) } ?? value) }
    }

    /// Whole milliseconds in `range`, read as a duration (the key's name ends in `_ms`).
    public static func milliseconds(_ path: String, _ range: ClosedRange<Int>, default value: Int, _ summary: String) -> Self {
        .init(ConfigKey(path, .int(range), default: String(value), summary)) { .milliseconds($0.flatMap { Int($0) } ?? value) }
    }
}

extension Setting where Value == Double {
    /// A decimal number in `range` (a fraction of a lifetime, say).
    public static func number(_ path: String, _ range: ClosedRange<Double>, default value: Double, _ summary: String) -> Self {
        .init(ConfigKey(path, .number(range), default: String(value), summary)) { $0.flatMap { Double($0) } ?? value }
    }
}

extension Setting where Value == Double? {
    /// A decimal number in `range` with no default.
    public static func optionalNumber(_ path: String, _ range: ClosedRange<Double>, _ summary: String) -> Self {
        .init(ConfigKey(path, .number(range), default: nil, summary)) { $0.flatMap { Double($0) } }
    }
}

extension Setting where Value == Bool {
    /// true or false.
    public static func flag(_ path: String, default value: Bool, _ summary: String) -> Self {
        .init(ConfigKey(path, .bool, default: String(value), summary)) { $0.map { $0 == "true" } ?? value }
    }
}

extension Setting where Value == [String] {
    /// A list of text items (comma-separated in the environment); an empty list reads as the default.
    public static func list(_ path: String, default value: [String] = [], _ summary: String) -> Self {
        .init(ConfigKey(path, .stringList, default: value.joined(separator: ","), summary)) { text in
            let items = Config.items(text ?? "")
            return items.isEmpty ? value : items
        }
    }
}

extension Setting where Value == [Int] {
    /// A list of integers.
    public static func integers(_ path: String, _ summary: String) -> Self {
        .init(ConfigKey(path, .intList, default: "", summary)) { Config.items($0 ?? "").compactMap { Int($0) } }
    }
}

extension Setting where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enumeration's raw values.
    public static func choice(_ path: String, default value: Value, _ summary: String) -> Self {
        .init(ConfigKey(path, .choice(Value.allCases.map(\.rawValue)), default: value.rawValue, summary)) { text in
            text.flatMap(Value.init(rawValue:)) ?? value
        }
    }
}

extension Setting {
    /// A value with its own syntax (a duration such as `8h`), checked by `parse` at load, so a bad
    /// value stops the daemon naming the key rather than failing the first call that reads it.
    public static func parsed(
        _ path: String, _ syntax: String, default value: String, _ summary: String, parse: @escaping @Sendable (String) -> Value?
    ) -> Self {
        .init(ConfigKey(path, .parsed(syntax, { parse($0) != nil }), default: value, summary)) { text in
            // ConfigTests reads every key's default, so a default its parser refuses fails there first.
            text.flatMap(parse) ?? parse(value)!
        }
    }

    /// As `parsed`, with no default: unset or empty reads as nil.
    public static func optionallyParsed<Parsed: Sendable>(
        _ path: String, _ syntax: String, _ summary: String, parse: @escaping @Sendable (String) -> Parsed?
    ) -> Self where Value == Parsed? {
        .init(ConfigKey(path, .parsed(syntax, { parse($0) != nil }), default: nil, summary)) { $0.nonEmpty.flatMap(parse) }
    }
}

extension Optional where Wrapped == String {
    fileprivate var nonEmpty: String? { self.flatMap { $0.isEmpty ? nil : $0 } }
}
