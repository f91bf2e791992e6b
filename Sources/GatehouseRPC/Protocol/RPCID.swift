import GatehouseCore

/// A JSON-RPC request id: a string, a number or null, echoed back exactly as it came.
public enum RPCID: Sendable, Hashable {
    case string(String)
    /// A number id as its literal text, byte for byte as the client sent it (`1e2`, `-0`,
    /// `100000000000000000000`): the spec asks for the same id back, and no Int64 or Double holds
    /// every such text. Only the parser makes these, so the text is always a valid JSON number.
    case number(String)
    case null

    /// The id from a request's `id` member (`literal`: a number's text as sent), or nil when the
    /// member has a type ids cannot have.
    init?(_ value: JSONValue, literal: String?) {
        switch value {
        case .string(let text): self = .string(text)
        case .int, .double: self = .number(literal ?? String(decoding: JSONWriter.bytes(value), as: UTF8.self))
        case .null: self = .null
        default: return nil
        }
    }

    /// The id as a JSON value (a number id as an Int64 or a Double, so it may lose digits the text has).
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .number(let text): (try? JSONParser.parse(Array(text.utf8))) ?? .null
        case .null: .null
        }
    }

    /// The id as JSON text, exactly as it is echoed (and stored in the audit record's id column).
    public var canonicalText: String {
        switch self {
        case .string: json.canonicalString
        case .number(let text): text
        case .null: "null"
        }
    }

    /// Appends the id as JSON text to `out`.
    func write(into out: inout [UInt8]) {
        switch self {
        case .string(let text): JSONWriter.writeString(text, into: &out)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .null: out.appendLiteral("null")
        }
    }
}
