import GatehouseCore
import GatehouseRPC

extension AuditMethods {
    /// What `audit.query` and `audit.verify` answer.
    static let answers: [RPCResultDescription] = {
        typealias S = ResultSchema
        let text = S.nullable(S.string)
        let record = S.object(
            [
                "seq": S.integer, "at": S.string, "method": S.string, "params": S.any, "decision": S.string, "outcome": S.oneOf(["ok", "error"]),
                "durationMicros": S.integer, "hash": S.string, "prevHash": S.string, "requestId": text, "principal": text, "entity": text,
                "rule": text, "errorReason": text, "callerClass": text, "detail": S.any,
                "peer": S.object(
                    ["uid": S.integer, "gid": S.nullable(S.integer), "pid": S.nullable(S.integer), "executable": text], required: ["uid"]),
            ], required: ["seq", "at", "method", "decision", "outcome", "hash", "prevHash"])
        return [
            RPCResultDescription("audit.query", result: S.record(["records": S.array(record), "nextCursor": S.nullable(S.integer)])),
            RPCResultDescription(
                "audit.verify",
                result: S.object(
                    [
                        "intact": S.boolean, "checked": S.integer, "headSeq": S.nullable(S.integer),
                        "firstBroken": S.record(["seq": S.integer, "reason": S.string]),
                        "anchorSeq": S.integer,
                        "checkpoint": S.record(["source": S.oneOf(["collector", "local"]), "size": S.integer]),
                        "checkpointRemark": S.string, "mode": S.oneOf(["full", "incremental"]), "fromSeq": S.integer,
                    ], required: ["intact", "checked", "headSeq"])),
        ]
    }()
}
