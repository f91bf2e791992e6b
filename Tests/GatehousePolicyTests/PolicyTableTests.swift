import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehousePolicy
import GatehouseStore
import Testing

/// One row of the table: who, what, on which entity, and the expected decision and rule.
struct PolicyCase: Sendable, CustomTestStringConvertible {
    var who: String
    var action: String
    var entity: String
    var decision: Decision.Outcome
    var rule: String

    init(_ who: String, _ action: String, _ entity: String, _ decision: Decision.Outcome, _ rule: String) {
        self.who = who
        self.action = action
        self.entity = entity
        self.decision = decision
        self.rule = rule
    }

    var testDescription: String { "\(who) \(action) \(entity) → \(decision.rawValue) (\(rule))" }
}

@Suite("Policy decision table (offline, from the synced snapshot)")
struct PolicyTableTests {
    static let cases: [PolicyCase] = [
        // Direct owners (alice and breanna are in team-a, which owns artist-lookup).
        PolicyCase("alice", "job.submit", "artist-lookup", .allow, "owner"),
        PolicyCase("alice", "job.cancel", "artist-lookup", .allow, "owner"),
        PolicyCase("alice", "job.view", "artist-lookup", .allow, "owner"),
        PolicyCase("alice", "dashboard.view", "artist-lookup", .allow, "owner"),
        PolicyCase("alice", "catalog.read", "artist-lookup", .allow, "owner"),
        PolicyCase("breanna", "job.submit", "artist-lookup", .allow, "owner"),
        PolicyCase("breanna", "dashboard.view", "component:default/engagement-reports", .allow, "owner"),
        PolicyCase("alice", "job.submit", "resource:artists-db", .allow, "owner"),
        PolicyCase("alice", "dashboard.view", "system:artist-engagement-portal", .allow, "owner"),
        // Nested owners: platform owns the portal; alice (team-a ⊂ data-eng ⊂ platform) and dana (data-eng) inherit.
        PolicyCase("alice", "job.submit", "platform-portal", .allow, "owner"),
        PolicyCase("dana", "job.cancel", "platform-portal", .allow, "owner"),
        PolicyCase("bob", "job.view", "platform-portal", .allow, "owner"),
        PolicyCase("pat", "job.submit", "platform-portal", .allow, "owner"),
        // Members of the owning group's parent: dashboards (and catalog reads), nothing else.
        PolicyCase("alice", "dashboard.view", "billing-etl", .allow, "parent-group"),
        PolicyCase("alice", "catalog.read", "billing-etl", .allow, "parent-group"),
        PolicyCase("alice", "job.submit", "billing-etl", .deny, "default-deny"),
        PolicyCase("alice", "job.view", "billing-etl", .deny, "default-deny"),
        PolicyCase("dana", "dashboard.view", "artist-lookup", .allow, "parent-group"),
        PolicyCase("dana", "job.submit", "artist-lookup", .deny, "default-deny"),
        PolicyCase("bob", "dashboard.view", "artist-lookup", .allow, "parent-group"),
        // The ID token's groups claim counts as membership even without a User entity.
        PolicyCase("claims-only", "job.submit", "billing-etl", .allow, "owner"),
        PolicyCase("claims-only", "dashboard.view", "artist-lookup", .allow, "parent-group"),
        // Strangers.
        PolicyCase("mallory", "dashboard.view", "artist-lookup", .deny, "default-deny"),
        PolicyCase("mallory", "catalog.read", "artist-lookup", .deny, "default-deny"),
        PolicyCase("mallory", "job.submit", "billing-etl", .deny, "default-deny"),
        PolicyCase("bob", "job.submit", "artist-lookup", .deny, "default-deny"),
        PolicyCase("sam", "dashboard.view", "artist-lookup", .deny, "default-deny"),
        // Grant by annotation: sre may view any entity that has Looker dashboards.
        PolicyCase("sam", "dashboard.view", "billing-etl", .allow, "sre-dashboards"),
        // Grandparent group members are not the parent group.
        PolicyCase("pat", "dashboard.view", "artist-lookup", .deny, "default-deny"),
        PolicyCase("pat", "catalog.read", "artist-lookup", .deny, "default-deny"),
        // Production needs an explicit grant for job.submit, not for the rest.
        PolicyCase("breanna", "job.submit", "analytics-pipeline", .allow, "data-eng-owners-prod"),
        PolicyCase("bob", "job.submit", "analytics-pipeline", .deny, "production-needs-grant"),
        PolicyCase("breanna", "job.cancel", "analytics-pipeline", .allow, "owner"),
        PolicyCase("alice", "job.view", "analytics-pipeline", .allow, "owner"),
        PolicyCase("sam", "job.submit", "analytics-pipeline", .allow, "sre-prod"),
        PolicyCase("sam", "job.cancel", "analytics-pipeline", .deny, "default-deny"),
        // Deny wins over allow (alice owns frozen-svc and even has a named grant for it).
        PolicyCase("alice", "job.submit", "frozen-svc", .deny, "frozen"),
        PolicyCase("alice", "job.cancel", "frozen-svc", .deny, "frozen"),
        PolicyCase("sam", "job.submit", "frozen-svc", .deny, "frozen"),
        PolicyCase("alice", "dashboard.view", "frozen-svc", .allow, "owner"),
        // Actions with no ownership default.
        PolicyCase("pat", "audit.read", "artist-lookup", .allow, "auditors"),
        PolicyCase("alice", "audit.read", "artist-lookup", .allow, "auditors"),
        PolicyCase("bob", "token.get", "billing-etl", .deny, "default-deny"),
        PolicyCase("alice", "token.get", "billing-etl", .allow, "team-a-tokens"),
        PolicyCase("alice", "cluster.create", "artist-lookup", .deny, "default-deny"),
        // Unknown entity and unknown action.
        PolicyCase("alice", "job.submit", "no-such-service", .deny, "unknown-entity"),
        PolicyCase("alice", "dashboard.view", "not a ref/with/slashes", .deny, "unknown-entity"),
        PolicyCase("alice", "job.delete", "artist-lookup", .deny, "unknown-action"),
        PolicyCase("alice", "", "artist-lookup", .deny, "unknown-action"),
    ]

    @Test("decision and rule", arguments: cases)
    func decides(_ row: PolicyCase) async throws {
        let fixture = try await PolicyFixture.shared.value
        let policy = Policy(catalog: fixture.reader, rules: PolicyFixture.rules, maxSnapshotAge: 3600)
        let decision = try await policy.decide(principal: PolicyFixture.principal(row.who), action: row.action, entity: row.entity)
        #expect(decision.decision == row.decision, "\(decision.reason)")
        #expect(decision.rule == row.rule, "\(decision.reason)")
        #expect(!decision.reason.isEmpty)
        if row.rule != "unknown-action" { #expect(decision.snapshotAt != nil) }
    }

    @Test("a stale snapshot fails sensitive actions closed and keeps reads working")
    func stale() async throws {
        let fixture = try await PolicyFixture.shared.value
        let later = Date().addingTimeInterval(7200)
        let policy = Policy(catalog: fixture.reader, rules: PolicyFixture.rules, maxSnapshotAge: 3600, now: { later })
        let alice = PolicyFixture.principal("alice")
        let submit = try await policy.decide(principal: alice, action: "job.submit", entity: "artist-lookup")
        #expect(submit.decision == .deny)
        #expect(submit.rule == "stale-snapshot")
        #expect(submit.reason.contains("gatehouse catalog sync"))
        let cancel = try await policy.decide(principal: alice, action: "job.cancel", entity: "artist-lookup")
        #expect(cancel.rule == "stale-snapshot")
        let view = try await policy.decide(principal: alice, action: "dashboard.view", entity: "artist-lookup")
        #expect(view.decision == .allow)
        #expect(view.rule == "owner")
    }

    @Test("no snapshot yet: everything is denied with a reason that says to sync")
    func noSnapshot() async throws {
        let store = try PolicyFixture.temporaryStore()
        defer { store.close() }
        let policy = Policy(catalog: CatalogReader(store: store))
        let decision = try await policy.decide(principal: PolicyFixture.principal("alice"), action: "dashboard.view", entity: "artist-lookup")
        #expect(decision.decision == .deny)
        #expect(decision.rule == "no-snapshot")
        #expect(decision.snapshotAt == nil)
    }

    @Test("explain shows the membership chain, the ownership edge and the rule")
    func explain() async throws {
        let fixture = try await PolicyFixture.shared.value
        let policy = Policy(catalog: fixture.reader, rules: PolicyFixture.rules)
        let nested = try await policy.explain(principal: PolicyFixture.principal("alice"), action: "job.submit", entity: "platform-portal")
        #expect(nested.decision.rule == "owner")
        #expect(nested.user == "user:default/alice")
        let chain = nested.facts.joined(separator: "\n")
        #expect(chain.contains("user:default/alice memberOf group:default/team-a"))
        #expect(chain.contains("group:default/team-a childOf group:default/data-eng"))
        #expect(chain.contains("group:default/data-eng childOf group:default/platform"))
        #expect(chain.contains("component:default/platform-portal ownedBy group:default/platform"))
        #expect(nested.facts.last?.hasPrefix("rule owner → allow") == true)

        let parent = try await policy.explain(principal: PolicyFixture.principal("alice"), action: "dashboard.view", entity: "billing-etl")
        #expect(parent.decision.rule == "parent-group")
        #expect(parent.facts.contains("group:default/team-b childOf group:default/data-eng"))
        #expect(parent.facts.contains("component:default/billing-etl ownedBy group:default/team-b"))
    }

    @Test("decisions are cached per snapshot and dropped by invalidate()")
    func cache() async throws {
        let fixture = try await PolicyFixture.shared.value
        let policy = Policy(catalog: fixture.reader)
        let alice = PolicyFixture.principal("alice")
        let first = try await policy.decide(principal: alice, action: "job.view", entity: "artist-lookup")
        let second = try await policy.decide(principal: alice, action: "job.view", entity: "component:default/Artist-Lookup")
        #expect(first == second)
        #expect(policy.cachedDecisions == 1)
        policy.invalidate()
        #expect(policy.cachedDecisions == 0)
    }
}
