import GatehouseCatalog
import GatehouseCore
import GatehousePolicy
import GatehouseRPC

/// The one place a broker method asks policy: resolves the principal, decides, records the
/// decision on the call's audit annotations, and throws `denied` when the answer is no.
/// Dashboards, jobs and clusters call `authorize` before they touch an upstream.
public struct PolicyGate: Sendable {
    /// The engine.
    public let policy: Policy
    /// The signed-in principal (from the identity component), or nil when nobody is signed in.
    public let principal: @Sendable () async -> Principal?

    /// A gate over `policy` for whoever `principal` returns.
    public init(policy: Policy, principal: @escaping @Sendable () async -> Principal?) {
        self.policy = policy
        self.principal = principal
    }

    /// Allows the call or throws: `unauthorized` when nobody is signed in, `denied` (with rule and reason) when policy says no.
    @discardableResult
    public func authorize(_ call: RPCCall, action: String, entity: String, as explicit: Principal? = nil) async throws -> Decision {
        guard let who = await resolve(explicit) else {
            throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first (`gatehouse login`) so policy knows who is asking")
        }
        let decision = try await policy.decide(principal: who, action: action, entity: entity)
        Self.annotate(call, principal: who, entity: entity, decision: decision)
        guard decision.isAllowed else {
            // A ref the snapshot does not hold is still denied, but the caller learns it is a name to
            // fix (not found) rather than a permission to ask for (denied); the catalog is readable anyway.
            let unknown = decision.rule == "unknown-entity"
            throw RPCError(
                unknown ? .notFound : .denied, reason: unknown ? "unknown_entity" : "denied", message: decision.reason,
                extra: [
                    "rule": .string(decision.rule), "action": .string(action), "entity": .string(entity),
                    "snapshotAt": decision.snapshotAt.map(JSONValue.string) ?? .null,
                ])
        }
        return decision
    }

    /// What a `job.list` / `cluster.list` call narrows to: the entity (checked for `viewAction` first)
    /// and, for `mine`, the signed-in person's display name. `things` names what is listed, for the sign-in message.
    public func listScope(
        _ call: RPCCall, entity: String?, mine: Bool?, viewAction: String, things: String
    ) async throws -> (
        entity: String?, principal: String?
    ) {
        var scope: (entity: String?, principal: String?) = (nil, nil)
        if let entity {
            let ref = try EntityRef(parsing: entity).description
            try await authorize(call, action: viewAction, entity: ref)
            scope.entity = ref
        }
        if mine == true {
            guard let who = await resolve(nil) else {
                throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first (`gatehouse login`) to list your \(things)")
            }
            call.annotations.update { $0.principal = who.displayName }
            scope.principal = who.displayName
        }
        return scope
    }

    /// The explicit principal, else the signed-in one.
    public func resolve(_ explicit: Principal?) async -> Principal? {
        if let explicit { return explicit }
        return await principal()
    }

    /// Records a decision on the call for the audit log.
    public static func annotate(_ call: RPCCall, principal: Principal, entity: String, decision: Decision) {
        call.annotations.update {
            $0.principal = principal.displayName
            $0.entity = entity
            $0.decision = decision.decision.rawValue
            $0.rule = decision.rule
            $0.detail["reason"] = .string(decision.reason)
            $0.detail["snapshotAt"] = decision.snapshotAt.map(JSONValue.string) ?? .null
        }
    }

    /// A principal for "what if" questions (`--as USER`): a user name or an email; grants nothing by itself.
    public static func principal(named user: String) -> Principal {
        Principal(subject: user, issuer: "gatehouse:as", email: user.contains("@") ? user : nil)
    }
}
