import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehousePolicy
import GatehouseRPC
import Yams

/// Policy in the daemon: `policy.check` and `policy.explain`, and the gate other components use.
public final class PolicyComponent: BrokerComponent {
    /// The engine (shared with every component that asks policy).
    public let policy: Policy
    /// What other components call before acting: `gate.authorize(call, action:, entity:)`.
    public let gate: PolicyGate

    /// Builds the engine from `policy.*` keys over the catalog snapshot.
    public init(context: BrokerContext, catalog: CatalogReader, principal: @escaping @Sendable () async -> Principal? = { nil }) throws {
        let rules = try context.config[ConfigKeys.Policy.rulesFile].map(PolicyRulesFile.load)?.rules ?? []
        let maxAgeSeconds = context.config[ConfigKeys.Policy.maxSnapshotAgeSeconds]
        let maxAge = maxAgeSeconds > 0 ? TimeInterval(maxAgeSeconds) : nil
        policy = Policy(catalog: catalog, rules: rules, maxSnapshotAge: maxAge)
        // A new snapshot may change any decision.
        context.events.subscribe { [policy] event in
            if case .catalogSynced = event { policy.invalidate() }
        }
        gate = PolicyGate(policy: policy, principal: principal)
    }

    private struct CheckParams: Decodable {
        var action: String
        var entity: String
        var `as`: String?
    }

    public var methods: [RPCMethod] {
        let gate = gate
        let policy = policy
        let schema = CatalogMethods.schema(
            [
                "action": ["type": "string"], "entity": ["type": "string"],
                "as": ["type": "string", "description": "ask about this user instead of the signed-in one"],
            ],
            required: ["action", "entity"])
        @Sendable func principal(_ params: CheckParams) async throws -> Principal {
            guard let who = await gate.resolve(params.as.map(PolicyGate.principal(named:))) else {
                throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first, or pass `as` (a user name or email)")
            }
            return who
        }
        return [
            RPCMethod(
                "policy.check",
                summary: "Would the principal be allowed `action` on `entity`? {decision, rule, reason, snapshotAt}; never throws denied.",
                params: schema,
                handler: .async { call in
                    let params: CheckParams = try call.decodeParams()
                    let who = try await principal(params)
                    let decision = try await policy.decide(principal: who, action: params.action, entity: params.entity)
                    PolicyGate.annotate(call, principal: who, entity: params.entity, decision: decision)
                    return try JSONValue(encoding: decision)
                }),
            RPCMethod(
                "policy.explain", summary: "The decision and the chain of facts behind it: memberships, ownership edge, rule.",
                params: schema,
                handler: .async { call in
                    let params: CheckParams = try call.decodeParams()
                    let who = try await principal(params)
                    let explanation = try await policy.explain(principal: who, action: params.action, entity: params.entity)
                    PolicyGate.annotate(call, principal: who, entity: params.entity, decision: explanation.decision)
                    return try JSONValue(encoding: explanation)
                }),
        ]
    }

    public var statusKey: String { "policy" }

    public func status() async -> [String: JSONValue] {
        ["cachedDecisions": .int(Int64(policy.cachedDecisions))]
    }
}

/// Reads `policy.rules_file`.
public enum PolicyRulesFile {
    /// Why the rules file is unusable.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses the YAML rule set at `path`.
    public static func load(_ path: String) throws -> PolicyRuleSet {
        let bounds = YAMLBounds.configuration
        let text: String
        do {
            text = try FileReader.text(path, limit: bounds.maxBytes)
        } catch {
            throw LoadError(description: "cannot read policy.rules_file \(path): \(error.reason)")
        }
        do {
            try bounds.check(text)
        } catch .syntax {
            // The decoder below says where and what.
        } catch {
            throw LoadError(description: "policy.rules_file \(path) is refused: \(error.description)")
        }
        do {
            return try YAMLDecoder().decode(PolicyRuleSet.self, from: text)
        } catch {
            throw LoadError(
                description: "policy.rules_file \(path) is not a valid rule set ({rules: [{name, effect: allow|deny, actions: [...]}]}): \(error)")
        }
    }
}
