import GatehouseCore

/// A JSON-RPC request id: a string, a number or null, echoed back exactly as it came.
public enum RPCID: Sendable, Hashable {
    case string(String)
    case number(JSONValue)
    case null

    /// The id from a request's `id` member, or nil when the member has a type ids cannot have.
    init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int, .double: self = .number(value)
        case .null: self = .null
        default: return nil
        }
    }

    /// The id as JSON.
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .number(let number): number
        case .null: .null
        }
    }
}
