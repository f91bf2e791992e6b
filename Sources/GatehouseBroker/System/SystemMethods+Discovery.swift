import GatehouseCore
import GatehouseRPC

extension SystemMethods {
    /// `rpc.discover`: the OpenRPC document of every method, its result schema and errors, and the notifications.
    static func discover(_ document: @escaping @Sendable () -> JSONValue) -> RPCMethod {
        RPCMethod(
            "rpc.discover",
            summary: "The OpenRPC 1.x document of this daemon: every method's params, result and errors, and the server notifications.",
            handler: .immediate { _ in document() })
    }

    /// What the `system.*` and `rpc.discover` methods answer.
    static let answers: [RPCResultDescription] = {
        typealias S = ResultSchema
        return [
            RPCResultDescription("system.ping", result: S.constant("pong")),
            RPCResultDescription(
                "system.status",
                result: S.object(
                    [
                        "version": S.string, "schemaVersion": S.integer, "pid": S.integer, "uptimeSeconds": S.number, "startedAt": S.string,
                        "database": S.record(["path": S.string, "bytes": S.integer]), "audit": S.record(["records": S.integer]),
                        "components": ["type": "object", "additionalProperties": S.anyObject],
                    ], required: ["version", "schemaVersion", "pid", "uptimeSeconds", "startedAt", "database", "audit", "components"])),
            RPCResultDescription("system.methods", result: S.array(S.record(["name": S.string, "summary": S.string, "params": S.anyObject]))),
            RPCResultDescription(
                "rpc.discover",
                result: S.object(
                    ["openrpc": S.string, "info": S.anyObject, "methods": S.array(S.anyObject), "components": S.anyObject],
                    required: ["openrpc", "info", "methods"])),
        ]
    }()
}
