import Foundation
import GatehouseCore

/// A valid request taken from a frame.
public struct RPCRequest: Sendable {
    /// nil for a notification (no `id` member): it gets no response.
    public var id: RPCID?
    public var method: String
    /// An array or object, or nil when absent.
    public var params: JSONValue?
}

/// One element of a frame: a request, or the error that answers a malformed one.
public enum RPCIncoming: Sendable {
    case request(RPCRequest)
    case invalid(id: RPCID, error: RPCError)
}

/// What one frame contained.
public enum RPCFrame: Sendable {
    case single(RPCIncoming)
    case batch([RPCIncoming])
    /// The frame was not JSON, or was an empty batch: one error object answers it.
    case unanswerable(RPCError)
}

/// Turns frame bytes into requests, following the JSON-RPC 2.0 spec's rules for malformed input.
public enum RPCMessageParser {
    /// Parses one newline-delimited frame.
    public static func parse(_ bytes: some Collection<UInt8>) -> RPCFrame {
        let value: JSONValue
        let idTexts: [Int: String]
        do {
            // The parser limits nesting depth and rejects invalid UTF-8, so hostile frames fail here cleanly.
            (value, idTexts) = try JSONParser.parse(bytes, keepingNumberTextOf: "id")
        } catch {
            return .unanswerable(.parseError(error.description))
        }
        switch value {
        case .array(let elements):
            if elements.isEmpty { return .unanswerable(.invalidRequest("empty batch")) }
            return .batch(elements.enumerated().map { index, element in incoming(element, idText: idTexts[index]) })
        default:
            return .single(incoming(value, idText: idTexts[0]))
        }
    }

    /// Validates one request object; `idText` is a number id's literal text.
    static func incoming(_ value: JSONValue, idText: String?) -> RPCIncoming {
        guard case .object(let members) = value else {
            return .invalid(id: .null, error: .invalidRequest("a request must be a JSON object"))
        }
        var id: RPCID?
        if let rawID = members["id"] {
            guard let parsed = RPCID(rawID, literal: idText) else {
                return .invalid(id: .null, error: .invalidRequest("id must be a string, a number or null"))
            }
            id = parsed
        }
        guard members["jsonrpc"] == .string("2.0") else {
            return .invalid(id: id ?? .null, error: .invalidRequest("jsonrpc must be exactly \"2.0\""))
        }
        guard case .string(let method)? = members["method"] else {
            return .invalid(id: id ?? .null, error: .invalidRequest("method must be a string"))
        }
        let params = members["params"]
        switch params {
        case nil, .array?, .object?: break
        default: return .invalid(id: id ?? .null, error: .invalidRequest("params must be an array or an object"))
        }
        return .request(RPCRequest(id: id, method: method, params: params))
    }
}

/// Serializes responses straight to bytes (with the trailing newline of the framing).
public enum RPCResponseWriter {
    /// A success response.
    public static func result(_ result: JSONValue, id: RPCID, into out: inout [UInt8]) {
        out.appendLiteral(#"{"jsonrpc":"2.0","result":"#)
        JSONWriter.write(result, into: &out, sortedKeys: false)
        out.appendLiteral(#","id":"#)
        id.write(into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// An error response.
    public static func error(_ error: RPCError, id: RPCID, into out: inout [UInt8]) {
        var object: [String: JSONValue] = ["code": .int(Int64(error.code)), "message": .string(error.message)]
        if let data = error.data { object["data"] = data }
        out.appendLiteral(#"{"jsonrpc":"2.0","error":"#)
        JSONWriter.write(.object(object), into: &out, sortedKeys: true)
        out.appendLiteral(#","id":"#)
        id.write(into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A notification the server sends (e.g. `job.watch` updates).
    public static func notification(method: String, params: JSONValue, into out: inout [UInt8]) {
        out.appendLiteral(#"{"jsonrpc":"2.0","method":"#)
        JSONWriter.writeString(method, into: &out)
        out.appendLiteral(#","params":"#)
        JSONWriter.write(params, into: &out, sortedKeys: false)
        out.append(UInt8(ascii: "}"))
    }
}
