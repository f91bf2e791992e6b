import Foundation

/// Encodes an `Encodable` straight into a `JSONValue`, giving it the meaning that
/// `JSONEncoder.gatehouse` followed by `JSONParser` gives it: ISO-8601 dates, base64 `Data`, URLs as
/// their absolute string, and numbers as the parser would read the encoder's text back (so `2.0`
/// becomes `.int(2)`).
///
/// Written by hand because every method result and cached document went through `JSONEncoder`
/// to bytes and `JSONParser` back into a tree: two passes and a byte buffer to get what one pass
/// can build. Foundation has no encoder into a value tree, and no package offers one for our
/// `JSONValue`. The equivalence is what `JSONValueEncoderTests` checks, value by value.
enum JSONValueEncoder {
    /// The `JSONValue` that `value` encodes to.
    static func encode(_ value: some Encodable) throws -> JSONValue {
        switch try part(for: value, codingPath: []) {
        case .done(let json): return json
        case .open(let node):
            guard node.requestedContainer else {
                throw EncodingError.invalidValue(
                    value, .init(codingPath: [], debugDescription: "Top-level \(type(of: value)) did not encode any values."))
            }
            return node.json
        }
    }

    /// Encodes one value: the types `JSONEncoder` treats as values of their own first, then whatever
    /// the type's own `encode(to:)` writes.
    fileprivate static func part<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> Part {
        // First the leaves that arrays and dictionaries hand over as generic values, then the types
        // `JSONEncoder` writes as values of their own rather than through their `encode(to:)`.
        // Compared by type rather than cast: a dynamic cast per value was a tenth of encoding an entity.
        if T.self == String.self { return .done(.string(value as! String)) }
        if T.self == Int.self { return .done(.int(Int64(value as! Int))) }
        if T.self == Bool.self { return .done(.bool(value as! Bool)) }
        if T.self == [String: String].self { return .done(.object((value as! [String: String]).mapValues(JSONValue.string))) }
        if T.self == [String].self { return .done(.array((value as! [String]).map(JSONValue.string))) }
        if T.self == JSONValue.self { return .done(value as! JSONValue) }
        if T.self == Date.self { return .done(.string((value as! Date).formatted(.iso8601))) }
        if T.self == Data.self { return .done(.string((value as! Data).base64EncodedString())) }
        if T.self == URL.self { return .done(.string((value as! URL).absoluteString)) }
        if T.self == Decimal.self { return .done(number(text: (value as! Decimal).description)) }
        let node = Node()
        try value.encode(to: ValueEncoder(node: node, codingPath: codingPath))
        if let leaf = node.leaf, node.members == nil, node.elements == nil { return .done(leaf) }
        return .open(node)
    }

    /// A floating-point number as `JSONEncoder` writes it (its description, without a trailing `.0`)
    /// and `JSONParser` reads it back.
    fileprivate static func floatingPoint<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F, codingPath: [any CodingKey]
    ) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: codingPath, debugDescription: "Unable to encode \(F.self).\(value) directly in JSON."))
        }
        return number(text: value.description)
    }

    private static func number(text: String) -> JSONValue {
        let trimmed = text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        if let integer = Int64(trimmed) { return .int(integer) }
        return .double(Double(trimmed) ?? .nan)
    }

    /// An integer as the parser reads it: `.int` when it fits in 64 signed bits.
    fileprivate static func integer(_ value: some BinaryInteger) -> JSONValue {
        if let exact = Int64(exactly: value) { return .int(exact) }
        return .double(Double(value))
    }
}

/// A value being encoded: finished, or a container that nested encoders may still fill.
private enum Part {
    case done(JSONValue)
    case open(Node)

    var json: JSONValue {
        switch self {
        case .done(let json): json
        case .open(let node): node.json
        }
    }
}

/// A container shared by reference: `Encoder` hands out containers that write into it later.
private final class Node {
    var leaf: JSONValue?
    /// In the order written; a key written twice keeps its last value, as in `JSONEncoder`.
    var members: [(key: String, part: Part)]?
    var elements: [Part]?

    /// Whether the value asked for any container (a value that encodes nothing is an error at the top).
    var requestedContainer: Bool { leaf != nil || members != nil || elements != nil }

    var json: JSONValue {
        if let members {
            var object: [String: JSONValue] = .init(minimumCapacity: members.count)
            for member in members { object[member.key] = member.part.json }
            return .object(object)
        }
        if let elements { return .array(elements.map(\.json)) }
        // A nested value that wrote nothing is written by `JSONEncoder` as an empty object.
        return leaf ?? .object([:])
    }

    func objectMembers() {
        if members == nil { members = [] }
    }

    func set(_ part: Part, forKey key: String) {
        members!.append((key, part))
    }

    func arrayElements() {
        if elements == nil { elements = [] }
    }
}

private struct ValueEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.objectMembers()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.arrayElements()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { node.set(.done(value), forKey: key.stringValue) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try JSONValueEncoder.floatingPoint(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(try JSONValueEncoder.floatingPoint(value, codingPath: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { set(JSONValueEncoder.integer(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(try JSONValueEncoder.part(for: value, codingPath: codingPath + [key]), forKey: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        child(key.stringValue, key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        child(key.stringValue, key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { child("super", AnyKey("super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { child(key.stringValue, key) }

    /// An encoder for the member `name`, set now and filled by whoever holds the encoder.
    private func child(_ name: String, _ key: any CodingKey) -> ValueEncoder {
        let child = Node()
        node.set(.open(child), forKey: name)
        return ValueEncoder(node: child, codingPath: codingPath + [key])
    }
}

/// Unkeyed and single-value containers take primitives alike: each becomes one finished value,
/// appended or set; only where it goes differs.
private protocol PrimitiveSink {
    /// The path of the value being written, for errors.
    var valuePath: [any CodingKey] { get }
    func put(_ value: JSONValue)
}

extension PrimitiveSink {
    mutating func encodeNil() { put(.null) }
    mutating func encode(_ value: Bool) { put(.bool(value)) }
    mutating func encode(_ value: String) { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try JSONValueEncoder.floatingPoint(value, codingPath: valuePath)) }
    mutating func encode(_ value: Float) throws { put(try JSONValueEncoder.floatingPoint(value, codingPath: valuePath)) }
    mutating func encode(_ value: Int) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int8) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int16) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int32) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: Int64) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) { put(JSONValueEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) { put(JSONValueEncoder.integer(value)) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer, PrimitiveSink {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.elements!.count }
    var valuePath: [any CodingKey] { codingPath + [AnyKey(index: count)] }

    func put(_ value: JSONValue) { node.elements!.append(.done(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.elements!.append(try JSONValueEncoder.part(for: value, codingPath: valuePath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        appendChild().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { appendChild().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { appendChild() }

    /// An encoder for a new element, appended now and filled by whoever holds the encoder.
    private func appendChild() -> ValueEncoder {
        let child = Node()
        let path = valuePath
        node.elements!.append(.open(child))
        return ValueEncoder(node: child, codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer, PrimitiveSink {
    let node: Node
    let codingPath: [any CodingKey]
    var valuePath: [any CodingKey] { codingPath }

    func put(_ value: JSONValue) { node.leaf = value }

    mutating func encode<T: Encodable>(_ value: T) throws {
        switch try JSONValueEncoder.part(for: value, codingPath: codingPath) {
        case .done(let json): node.leaf = json
        case .open(let inner):
            // The value asked for a container of its own: this node takes its contents.
            node.leaf = inner.leaf
            node.members = inner.members
            node.elements = inner.elements
        }
    }
}

/// A coding key for paths and `super`, which have no key of the caller's type.
private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(_ name: String) {
        stringValue = name
        intValue = nil
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
