import GatehouseCore
import GatehouseRPC

extension PolicyComponent {
    /// The schema of a policy decision, as `policy.check` answers and other answers embed it.
    static let decisionSchema: JSONValue = {
        typealias S = ResultSchema
        return S.object(
            ["decision": S.oneOf(["allow", "deny"]), "rule": S.string, "reason": S.string, "snapshotAt": S.string],
            required: ["decision", "rule", "reason"])
    }()

    /// What `policy.check` and `policy.explain` answer, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let errors = [
            RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first, or pass `as`"),
            RPCErrorDescription(.notFound, "no_snapshot", "No catalog snapshot yet: gatehouse catalog sync"),
            RPCErrorDescription(.notFound, "not_found", "No such entity in the snapshot"),
        ]
        return [
            RPCResultDescription("policy.check", result: Self.decisionSchema, errors: errors),
            RPCResultDescription(
                "policy.explain",
                result: S.object(
                    ["decision": Self.decisionSchema, "facts": S.array(S.string), "user": S.string, "groups": S.array(S.string)],
                    required: ["decision", "facts", "groups"]), errors: errors),
        ]
    }
}
