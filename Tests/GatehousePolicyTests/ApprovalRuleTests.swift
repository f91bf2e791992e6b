import Foundation
import GatehouseCatalog
import GatehousePolicy
import Testing

/// Approval rules: which allowed actions wait for a person, by caller class and entity facts.
@Suite("Approval rules")
struct ApprovalRuleTests {
    static let defaults = ["job.submit@production", "cluster.create", "cluster.delete"]

    @Test func shorthandReadsActionAndLifecycle() throws {
        let rule = try ApprovalRule(shorthand: "job.submit@production")
        #expect(rule.actions == ["job.submit"])
        #expect(rule.lifecycles == ["production"])
        #expect(rule.callers == nil, "shorthand rules apply to every non-interactive caller")
        #expect(try ApprovalRule(shorthand: "cluster.delete").lifecycles == nil)
    }

    @Test(arguments: ["", "@production", "job.submit@", "a@b@c"])
    func malformedShorthandIsRefused(_ text: String) {
        #expect(throws: ApprovalRuleError.badShorthand(text)) { try ApprovalRule(shorthand: text) }
    }

    @Test func unknownActionIsNamed() {
        #expect(throws: ApprovalRuleError.unknownAction("job.sumbit")) { try ApprovalRule(shorthand: "job.sumbit@production") }
    }

    @Test func productionJobsFromAutomationWaitButNotFromAPerson() async throws {
        let fixture = try await PolicyFixture.shared.value
        let policy = ApprovalPolicy(rules: try Self.defaults.map { try ApprovalRule(shorthand: $0) }, catalog: fixture.reader)
        let held = await policy.requirement(action: "job.submit", entity: "analytics-pipeline", callerClass: "automation")
        #expect(held?.name == "approval:job.submit@production")
        #expect(
            await policy.requirement(action: "job.submit", entity: "analytics-pipeline", callerClass: "ai-agent") != nil,
            "named classes are not people either")
        #expect(await policy.requirement(action: "job.submit", entity: "analytics-pipeline", callerClass: "interactive") == nil)
        #expect(
            await policy.requirement(action: "job.submit", entity: "frozen-svc", callerClass: "automation") == nil,
            "experimental entities need no approval")
        #expect(await policy.requirement(action: "job.view", entity: "analytics-pipeline", callerClass: "automation") == nil)
        #expect(
            await policy.requirement(action: "cluster.create", entity: "frozen-svc", callerClass: "automation")?.name == "approval:cluster.create")
    }

    @Test func explicitCallerClassesAndUnknownEntitiesFailClosed() async throws {
        let fixture = try await PolicyFixture.shared.value
        let rule = ApprovalRule(name: "agents-everywhere", actions: ["*"], callers: ["ai-agent"], lifecycles: ["experimental"])
        let policy = ApprovalPolicy(rules: [rule], catalog: fixture.reader)
        #expect(await policy.requirement(action: "job.cancel", entity: "frozen-svc", callerClass: "ai-agent")?.name == "agents-everywhere")
        #expect(await policy.requirement(action: "job.cancel", entity: "frozen-svc", callerClass: "automation") == nil)
        #expect(await policy.requirement(action: "job.cancel", entity: "analytics-pipeline", callerClass: "ai-agent") == nil)
        #expect(
            await policy.requirement(action: "job.cancel", entity: "no-such-thing", callerClass: "ai-agent") != nil,
            "an entity the snapshot lacks cannot prove it is exempt")
        let everyone = ApprovalPolicy(rules: [ApprovalRule(name: "all", actions: ["cluster.delete"], callers: ["*"])], catalog: fixture.reader)
        #expect(await everyone.requirement(action: "cluster.delete", entity: "frozen-svc", callerClass: "interactive") != nil)
    }

    @Test func rulesFileCarriesApprovals() throws {
        let set = PolicyRuleSet(rules: [], approvals: [ApprovalRule(name: "x", actions: ["cluster.create"], callers: ["ci"])])
        let decoded = try JSONDecoder().decode(PolicyRuleSet.self, from: JSONEncoder().encode(set))
        #expect(decoded == set)
        let legacy = try JSONDecoder().decode(PolicyRuleSet.self, from: Data(#"{"rules": []}"#.utf8))
        #expect(legacy.approvals == nil, "rule files without approvals still load")
    }
}
