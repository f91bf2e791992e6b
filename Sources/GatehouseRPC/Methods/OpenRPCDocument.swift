import GatehouseCore

/// An application error a method can answer with: its code and the stable `data.reason` scripts branch on.
public struct RPCErrorDescription: Sendable {
    public var code: RPCErrorCode
    public var reason: String
    /// When it happens, for a person reading the document.
    public var meaning: String

    /// Describes one `(code, reason)` pair.
    public init(_ code: RPCErrorCode, _ reason: String, _ meaning: String) {
        self.code = code
        self.reason = reason
        self.meaning = meaning
    }

    /// The OpenRPC Error object: the code, the meaning as message, and the reason as a constant in `data`.
    var json: JSONValue {
        ["code": .int(Int64(code.rawValue)), "message": .string(meaning), "data": ["reason": .string(reason)]]
    }
}

/// What a method answers, beside its params: the result schema and the application errors it can give.
public struct RPCResultDescription: Sendable {
    public var method: String
    /// A JSON Schema (draft 7 subset) of the `result`.
    public var result: JSONValue
    public var errors: [RPCErrorDescription]

    /// Describes the answers of `method`.
    public init(_ method: String, result: JSONValue, errors: [RPCErrorDescription] = []) {
        self.method = method
        self.result = result
        self.errors = errors
    }
}

/// A notification the daemon sends on a caller's connection while a streaming call runs.
public struct RPCNotificationDescription: Sendable {
    public var name: String
    public var summary: String
    /// The methods whose calls stream it.
    public var sentBy: [String]
    /// A JSON Schema of its `params` object.
    public var params: JSONValue

    /// Describes one notification.
    public init(_ name: String, summary: String, sentBy: [String], params: JSONValue) {
        self.name = name
        self.summary = summary
        self.sentBy = sentBy
        self.params = params
    }
}

/// The OpenRPC 1.x document (`rpc.discover`) of a registry: every method with its params, result and
/// errors; the errors every method can give in `components.errors`; the server notifications, which
/// OpenRPC has no object for, under the extension `x-notifications` in the shape of Method objects.
public enum OpenRPCDocument {
    /// The OpenRPC version the document follows.
    public static let version = "1.3.2"

    /// Errors any call can get, whatever its method (protocol, audit, shutdown, load).
    public static let commonErrors: [RPCErrorDescription] = [
        RPCErrorDescription(.invalidParams, "invalid_params", "The params do not fit the method's schema"),
        RPCErrorDescription(.internalError, "internal", "A fault inside the daemon (logged, not sent)"),
        RPCErrorDescription(.internalError, "state_change_failed", "The call's state change could not be committed; nothing was kept"),
        RPCErrorDescription(.upstreamUnavailable, "audit_unavailable", "The audit record could not be written, so no answer is given"),
        RPCErrorDescription(.shuttingDown, "shutting_down", "The daemon is shutting down"),
        RPCErrorDescription(.busy, "too_many_connections", "Connections beyond rpc.max_connections are refused"),
        RPCErrorDescription(.unauthorized, "peer_uid_not_allowed", "The caller's uid may not use this daemon (rpc.allowed_uids)"),
        RPCErrorDescription(.payloadTooLarge, "payload_too_large", "The frame exceeds rpc.max_frame_bytes; the connection is closed"),
    ]

    /// The document for `registry` and `version` (the daemon's version).
    public static func make(_ registry: MethodRegistry, serverVersion: String) -> JSONValue {
        let methods: [JSONValue] = registry.all.map { method in
            let answers = registry.resultDescription(of: method.name)
            var object: [String: JSONValue] = [
                "name": .string(method.name), "summary": .string(method.summary),
                "paramStructure": "by-name", "params": .array(contentDescriptors(method.params)),
                "result": ["name": .string(method.name + ".result"), "schema": answers?.result ?? [:]],
            ]
            // Inlined rather than referenced: some OpenRPC tools read only Error objects here.
            object["errors"] = .array(((answers?.errors ?? []) + commonErrors).map(\.json))
            return .object(object)
        }
        let notifications: [JSONValue] = registry.notifications.map { notification in
            [
                "name": .string(notification.name), "summary": .string(notification.summary),
                "description": .string(
                    "Sent by the daemon (no id, no answer) while a call of \(notification.sentBy.joined(separator: ", ")) runs; it can arrive before that call's answer."
                ),
                "paramStructure": "by-name", "params": .array(contentDescriptors(notification.params)),
                "x-sent-by": .array(notification.sentBy.map(JSONValue.string)),
            ]
        }
        var errors: [String: JSONValue] = [:]
        for error in commonErrors { errors[error.reason] = error.json }
        return [
            "openrpc": .string(version),
            "info": [
                "title": "Gatehouse", "version": .string(serverVersion),
                "description":
                    "JSON-RPC 2.0 over the daemon's private Unix socket, one JSON text per line (docs/protocol.md). Application errors carry a stable data.reason.",
            ],
            "methods": .array(methods),
            "components": ["errors": .object(errors)],
            "x-notifications": .array(notifications),
        ]
    }

    /// One Content Descriptor per property of an object schema (OpenRPC lists params by name).
    static func contentDescriptors(_ schema: JSONValue) -> [JSONValue] {
        let properties = schema["properties"]?.objectValue ?? [:]
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return properties.keys.sorted().map { name in
            ["name": .string(name), "required": .bool(required.contains(name)), "schema": properties[name] ?? [:]]
        }
    }
}
