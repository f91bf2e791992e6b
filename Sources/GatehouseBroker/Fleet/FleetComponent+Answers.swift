import GatehouseCore
import GatehouseRPC

extension FleetComponent {
    /// What `fleet.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let collector = [
            RPCErrorDescription(.conflict, "fleet_not_configured", "fleet.collector_url is not set"),
            RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first: the collector checks the person's ID token"),
            RPCErrorDescription(.denied, "not_auditor", "The person is in none of the collector's auditor groups; the refusal is recorded there"),
            RPCErrorDescription(.upstreamError, "collector_unreadable", "The collector answered with something unreadable"),
            RPCErrorDescription(.upstreamUnavailable, "upstream_unavailable", "The collector cannot be reached"),
        ]
        return [
            RPCResultDescription(
                "fleet.audit.query", result: S.object(["records": S.array(S.anyObject), "nextCursor": S.nullable(S.string)], required: ["records"]),
                errors: collector),
            RPCResultDescription(
                "fleet.verify",
                result: S.object(
                    [
                        "hostID": S.string, "checked": S.integer, "headSeq": S.nullable(S.integer), "cosignedSize": S.nullable(S.integer),
                        "intact": S.boolean,
                        "firstBrokenSeq": S.nullable(S.integer), "reason": S.nullable(S.string), "alerts": S.integer,
                    ], required: ["hostID", "checked", "intact"]),
                errors: collector + [RPCErrorDescription(.notFound, "unknown_host", "The collector knows no such host")]),
        ]
    }
}
