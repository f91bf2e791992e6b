import Foundation
import GatehouseCatalog
import GatehouseCore

/// The policy engine: decides whether a principal may perform an action on a catalog entity,
/// from the local catalog snapshot (so it works offline) and the configured rules.
///
/// Order of evaluation: unknown action → no snapshot → stale snapshot (sensitive actions only) →
/// unknown entity → configured deny rules → configured allow rules → `production` needs a grant
/// for `job.submit` → owner defaults → parent-group defaults → deny.
public final class Policy: Sendable {
    private let catalog: CatalogReader
    private let rules: [PolicyRule]
    private let maxSnapshotAge: TimeInterval?
    private let now: @Sendable () -> Date
    private let cache = DecisionCache()

    /// A policy over `catalog` with configured `rules`; sensitive actions are refused when the snapshot is older than `maxSnapshotAge` seconds.
    public init(
        catalog: CatalogReader, rules: [PolicyRule] = [], maxSnapshotAge: TimeInterval? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.catalog = catalog
        self.rules = rules
        self.maxSnapshotAge = maxSnapshotAge
        self.now = now
    }

    /// Decides whether `principal` may do `action` on `entity` (a ref; bare names default to kind `component`).
    public func decide(principal: Principal, action: String, entity: String) async throws(CatalogError) -> Decision {
        try await evaluate(principal: principal, action: action, entity: entity, cached: true).decision
    }

    /// Decides and returns the chain of facts behind the decision.
    public func explain(principal: Principal, action: String, entity: String) async throws(CatalogError) -> Explanation {
        let evaluation = try await evaluate(principal: principal, action: action, entity: entity, cached: false)
        var facts = evaluation.facts
        var groups: [String] = []
        var user: String?
        if let access = evaluation.access {
            let membership = access.membership
            user = membership.user
            groups = membership.groups.keys.sorted()
            facts.insert(
                membership.user.map { "principal \(principal.displayName) is \($0)" }
                    ?? "principal \(principal.displayName) matches no User entity (by name or email)", at: 0)
            if let through = access.ownedThrough {
                facts += try await catalog.membershipChain(membership, to: through)
                facts.append("\(access.entity.ref) ownedBy \(through)")
            } else if let edge = access.parentEdge {
                facts += try await catalog.membershipChain(membership, to: edge.parent)
                facts.append("\(edge.owner) childOf \(edge.parent)")
                facts.append("\(access.entity.ref) ownedBy \(edge.owner)")
            } else if let owner = access.entity.owner {
                facts.append("\(access.entity.ref) ownedBy \(owner), which is not among the principal's groups")
            } else {
                facts.append("\(access.entity.ref) has no owner")
            }
        }
        facts.append("rule \(evaluation.decision.rule) → \(evaluation.decision.decision.rawValue): \(evaluation.decision.reason)")
        return Explanation(decision: evaluation.decision, facts: facts, user: user, groups: groups)
    }

    /// Forgets cached decisions (call after a sync; the snapshot id in the key also guards against stale hits).
    public func invalidate() { cache.clear() }

    /// Decisions currently cached.
    public var cachedDecisions: Int { cache.count }

    private struct Evaluation {
        var decision: Decision
        var access: AccessFacts?
        var facts: [String] = []
    }

    private func evaluate(principal: Principal, action name: String, entity: String, cached: Bool) async throws(CatalogError) -> Evaluation {
        guard let action = PolicyAction(rawValue: name) else {
            return Evaluation(
                decision: Decision(
                    .deny, rule: "unknown-action",
                    reason: "\(name) is not a known action; known: \(PolicyAction.allCases.map(\.rawValue).joined(separator: ", "))",
                    snapshotAt: nil))
        }
        guard let snapshot = try await catalog.snapshot() else {
            return Evaluation(decision: Decision(.deny, rule: "no-snapshot", reason: CatalogError.noSnapshot.description, snapshotAt: nil))
        }
        let snapshotFact = "catalog snapshot \(snapshot.id) taken at \(snapshot.snapshotAt)"
        let age = snapshot.age(now: now())
        if action.isSensitive, let maxSnapshotAge, age > maxSnapshotAge {
            return Evaluation(
                decision: Decision(
                    .deny, rule: "stale-snapshot",
                    reason: "the catalog snapshot is \(Int(age)) s old (policy.max_snapshot_age_seconds is \(Int(maxSnapshotAge))); "
                        + "\(action.rawValue) fails closed until `gatehouse catalog sync` succeeds",
                    snapshotAt: snapshot.snapshotAt), facts: [snapshotFact])
        }
        let ref: EntityRef
        do {
            ref = try EntityRef(parsing: entity)
        } catch {
            return Evaluation(decision: Decision(.deny, rule: "unknown-entity", reason: error.description, snapshotAt: snapshot.snapshotAt))
        }
        let key = DecisionCache.Key(principal: principal, action: action.rawValue, entity: ref.description, snapshot: snapshot.id)
        if cached, let hit = cache.get(key) { return Evaluation(decision: hit) }
        let access: AccessFacts
        do {
            access = try await catalog.accessFacts(principal: principal, entity: ref)
        } catch .notFound {
            return Evaluation(
                decision: Decision(
                    .deny, rule: "unknown-entity", reason: "\(ref) is not in the catalog snapshot; policy denies what it cannot see",
                    snapshotAt: snapshot.snapshotAt), facts: [snapshotFact])
        }
        let decision = Self.decide(action: action, principal: principal, facts: access, rules: rules)
        if cached { cache.put(key, decision) }
        return Evaluation(decision: decision, access: access, facts: [snapshotFact])
    }

    /// The rule table, on facts already read.
    static func decide(action: PolicyAction, principal: Principal, facts: AccessFacts, rules: [PolicyRule]) -> Decision {
        let at = facts.snapshot.snapshotAt
        let entity = facts.entity.ref
        func decision(_ outcome: Decision.Outcome, _ rule: String, _ reason: String) -> Decision {
            Decision(outcome, rule: rule, reason: reason, snapshotAt: at)
        }
        if let deny = rules.first(where: { $0.effect == .deny && $0.matches(action: action, principal: principal, facts: facts) }) {
            return decision(.deny, deny.name, "configured rule \(deny.name) denies \(action.rawValue) on \(entity)")
        }
        if let grant = rules.first(where: { $0.effect == .allow && $0.matches(action: action, principal: principal, facts: facts) }) {
            return decision(.allow, grant.name, "configured rule \(grant.name) grants \(action.rawValue) on \(entity)")
        }
        if action == .jobSubmit, facts.entity.lifecycle == "production" {
            return decision(
                .deny, "production-needs-grant",
                "\(entity) is in production: job.submit needs an explicit grant in policy.rules_file, ownership alone is not enough")
        }
        if let owner = facts.ownedThrough, PolicyAction.ownerDefaults.contains(action) {
            let how =
                owner == facts.membership.user
                ? "you own it"
                : "you are in \(owner), which owns it"
                    + ((facts.membership.groups[owner] ?? 0) > 0 ? " (through nested groups)" : "")
            return decision(.allow, "owner", "\(how); owners may \(action.rawValue)")
        }
        if let edge = facts.parentEdge, PolicyAction.parentGroupDefaults.contains(action) {
            return decision(
                .allow, "parent-group",
                "you are in \(edge.parent), the parent of owning group \(edge.owner); its members may \(action.rawValue)")
        }
        let why =
            facts.ownedThrough != nil || facts.parentEdge != nil
            ? "your relation to \(entity) does not include \(action.rawValue)"
            : "you are neither an owner of \(entity) (\(facts.entity.owner ?? "no owner")) nor in its owner's parent group"
        return decision(.deny, "default-deny", "\(why); ask for a grant in policy.rules_file")
    }
}
