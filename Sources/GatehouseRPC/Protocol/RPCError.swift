import GatehouseCore

/// A JSON-RPC error object. Application errors use -32000…-32099 and carry `data.reason`,
/// a stable string that scripts can branch on.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    /// An error with an explicit code.
    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// An application error: `code` in the server range, `reason` in `data.reason`, plus extra data members.
    public init(_ code: RPCErrorCode, reason: String, message: String, extra: [String: JSONValue] = [:]) {
        var members = extra
        members["reason"] = .string(reason)
        self.init(code: code.rawValue, message: message, data: .object(members))
    }

    /// The stable reason string, if any.
    public var reason: String? { data?["reason"]?.stringValue }

    public var description: String { "\(message) (\(code)\(reason.map { ", \($0)" } ?? ""))" }

    /// -32700: the frame is not JSON.
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: RPCErrorCode.parseError.rawValue, message: "Parse error", data: ["reason": "parse_error", "detail": .string(detail)])
    }
    /// -32600: JSON, but not a JSON-RPC 2.0 request.
    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(
            code: RPCErrorCode.invalidRequest.rawValue, message: "Invalid Request", data: ["reason": "invalid_request", "detail": .string(detail)])
    }
    /// -32601: no such method; `suggestion` is the nearest method's name, when one is plausibly meant.
    public static func methodNotFound(_ method: String, suggestion: String? = nil) -> RPCError {
        var data: [String: JSONValue] = ["reason": "method_not_found", "method": .string(method), "hint": "call system.methods for the list"]
        var detail = "no method \(method)"
        if let suggestion {
            data["didYouMean"] = .string(suggestion)
            detail += "; did you mean \(suggestion)?"
        }
        data["detail"] = .string(detail + " (system.methods lists every method)")
        return RPCError(code: RPCErrorCode.methodNotFound.rawValue, message: "Method not found", data: .object(data))
    }
    /// -32602: the params do not fit the method.
    public static func invalidParams(_ detail: String) -> RPCError {
        RPCError(code: RPCErrorCode.invalidParams.rawValue, message: "Invalid params", data: ["reason": "invalid_params", "detail": .string(detail)])
    }
    /// -32603: a fault inside the daemon; the detail is logged, not sent.
    public static func internalError(reason: String = "internal") -> RPCError {
        RPCError(code: RPCErrorCode.internalError.rawValue, message: "Internal error", data: ["reason": .string(reason)])
    }
    /// The frame exceeded the size limit; the connection is closed after this error.
    public static func payloadTooLarge(limit: Int) -> RPCError {
        RPCError(
            .payloadTooLarge, reason: "payload_too_large", message: "Request exceeds the \(limit)-byte frame limit",
            extra: ["limit": .int(Int64(limit))])
    }
}

/// The error codes Gatehouse answers with. The first five are the JSON-RPC 2.0 spec's;
/// the rest are Gatehouse's, in the spec's server-defined range.
public enum RPCErrorCode: Int, Sendable, CaseIterable {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    /// The caller (peer uid) may not use this daemon, or must sign in first.
    case unauthorized = -32001
    /// Policy denied the action.
    case denied = -32002
    /// An upstream is unreachable and no cached or queued answer is possible.
    case upstreamUnavailable = -32003
    /// The named thing does not exist.
    case notFound = -32004
    /// The request frame exceeds the size limit.
    case payloadTooLarge = -32005
    /// Too many connections or requests; try again later.
    case busy = -32006
    /// The action waits for a person's approval.
    case pendingApproval = -32007
    /// The request conflicts with the current state.
    case conflict = -32008
    /// An upstream answered with an error.
    case upstreamError = -32009
    /// The daemon is shutting down.
    case shuttingDown = -32010
}

/// An error type that knows its JSON-RPC form; handlers may throw these and they reach the caller as is.
public protocol RPCErrorConvertible: Error {
    /// The error as the caller will see it. Must not contain secrets.
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}
