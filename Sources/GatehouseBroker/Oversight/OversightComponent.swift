import Foundation
import GatehouseAudit
import GatehouseCatalog
import GatehouseCore
import GatehouseIdentity
import GatehouseOversight
import GatehousePolicy
import GatehouseRPC
import Logging
import Synchronization

/// Human oversight of automated callers: classifies every caller it sees, holds sensitive actions
/// for a person's approval (`ApprovalGate`), serves `approval.*`, expires what nobody decided and
/// publishes each resolution once (`approvalResolved`), also across a daemon restart.
public final class OversightComponent: BrokerComponent, ApprovalGate {
    /// How callers are classified (`oversight.caller_classes`).
    public let classifier: CallerClassifier
    /// Which allowed actions wait for approval.
    public let approvalPolicy: ApprovalPolicy
    /// How long a pending approval lives.
    public let ttl: TimeInterval
    /// Which approvals need the approver's recent sign-in (`oversight.step_up`), and how recent.
    let stepUp: ApprovalPolicy
    let stepUpMaxAge: Int
    /// The signed-in person's last sign-in at the IdP; nil as a whole when no IdP is configured.
    let authentication: (@Sendable () async -> Authentication?)?
    let approvals: ApprovalStore
    let audit: AuditLog
    /// Where settled approvals are published (`approvalResolved`) for the features that own the held work.
    let events: BrokerEvents
    /// Approvals whose delivery runs now, so a second delivery round does not start it twice.
    private let delivering = Mutex<Set<String>>([])
    let logger: Logger
    let now: @Sendable () -> Date
    let principal: @Sendable () async -> Principal?
    /// Set when something was settled, so the delivery loop looks now instead of at its next tick.
    private let doorbell = Atomic<Bool>(false)

    /// Builds oversight from the `oversight.*` keys and the `approvals:` of `policy.rules_file`.
    public init(
        context: BrokerContext, catalog: CatalogReader, principal: @escaping @Sendable () async -> Principal? = { nil },
        authentication: (@Sendable () async -> Authentication?)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        classifier = try CallerClassifier(entries: context.config[ConfigKeys.Oversight.callerClasses])
        var rules: [ApprovalRule] = []
        for entry in context.config[ConfigKeys.Oversight.requireApproval] {
            do {
                rules.append(try ApprovalRule(shorthand: entry))
            } catch {
                throw OversightError.badApprovalRule(error.description)
            }
        }
        rules += try context.config[ConfigKeys.Policy.rulesFile].map(PolicyRulesFile.load)?.approvals ?? []
        approvalPolicy = ApprovalPolicy(rules: rules, catalog: catalog)
        var stepUpRules: [ApprovalRule] = []
        for entry in context.config[ConfigKeys.Oversight.stepUp] {
            do {
                // Whoever approves: the rule is about the action, not about who asked.
                var rule = try ApprovalRule(shorthand: entry)
                rule.callers = ["*"]
                stepUpRules.append(rule)
            } catch {
                throw OversightError.badApprovalRule("oversight.step_up: \(error.description)")
            }
        }
        stepUp = ApprovalPolicy(rules: stepUpRules, catalog: catalog)
        stepUpMaxAge = context.config[ConfigKeys.Oversight.stepUpMaxAgeSeconds]
        self.authentication = authentication
        ttl = TimeInterval(context.config[ConfigKeys.Oversight.approvalTTLSeconds])
        approvals = ApprovalStore(store: context.store)
        audit = context.audit
        events = context.events
        logger = context.logger
        self.now = now
        self.principal = principal
    }

    /// `approval.list`, `approval.get`, `approval.wait`, `approval.approve`, `approval.deny`, `approval.request`.
    public var methods: [RPCMethod] { OversightMethods(component: self).all }

    // MARK: ApprovalGate

    /// Classifies the caller and, when an approval rule covers it, records a pending approval instead of letting the action run.
    public func requireApproval(
        for call: RPCCall, action: String, entity: String, decision: Decision, summary: JSONValue
    ) async throws -> PendingApproval? {
        let caller = classify(call)
        guard let rule = await approvalPolicy.requirement(action: action, entity: entity, callerClass: caller.name) else { return nil }
        return try await request(call, caller: caller, action: action, entity: entity, rule: rule.name, policyRule: decision.rule, summary: summary)
    }

    // MARK: background work

    /// Delivers resolutions a previous run left owed, then expires and delivers as approvals are settled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    try await round(&group)
                } catch {
                    logger.error("oversight round failed; retrying", metadata: ["error": "\(error)"])
                }
                await nap()
            }
        }
    }

    /// One pass that waits for the follow-ups it started; for tests and tools (`run()` loops over `round`).
    func oneRound() async throws {
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            do { try await round(&group) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// One pass: expire what is overdue, start the follow-ups still owed (each in `group`, so a slow one holds up nothing else).
    func round(_ group: inout DiscardingTaskGroup) async throws {
        try await expireOverdue()
        for record in try await approvals.undelivered() where delivering.withLock({ $0.insert(record.id).inserted }) {
            group.addTask { await self.deliver(record) }
        }
    }

    /// Pending approvals, the TTL and the configured class names.
    public var statusKey: String { "approvals" }

    public func status() async -> [String: JSONValue] {
        let pending = (try? await approvals.list(states: [.pending], limit: 10_000).count) ?? 0
        return [
            "pending": .int(Int64(pending)), "ttlSeconds": .int(Int64(ttl)), "callerClasses": .array(classifier.patterns.map { .string($0.name) }),
        ]
    }

    /// The caller's class, recorded on the call for its audit record.
    @discardableResult
    func classify(_ call: RPCCall) -> CallerClassification {
        let caller = classifier.classify(call.peer)
        call.annotations.update {
            $0.callerClass = caller.name
            $0.detail["callerClassBecause"] = .string(caller.because)
        }
        return caller
    }

    /// The rule recorded for approvals a caller asked for itself (`approval.request`).
    static let requestedByCaller = "requested-by-caller"

    /// Wakes the delivery loop.
    func ring() { doorbell.store(true, ordering: .releasing) }

    /// Sleeps up to a second, less when rung or when the next approval is due.
    private func nap() async {
        let due = (try? await approvals.nextExpiry()).map { $0.timeIntervalSince(now()) } ?? 1
        let slices = max(1, min(10, Int((due * 10).rounded(.up))))
        for _ in 0..<slices {
            if doorbell.exchange(false, ordering: .acquiringAndReleasing) || Task.isCancelled { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func expireOverdue() async throws {
        for record in try await approvals.overdue(at: now()) {
            do {
                _ = try await resolve(
                    record, to: .expired, by: ApprovalStore.Decider(),
                    reason: "nobody approved it within \(Int(ttl)) s (oversight.approval_ttl_seconds); it was not carried out", call: nil)
            } catch OversightError.alreadyDecided {
                continue  // a person decided just before the clock ran out
            }
        }
    }

    /// Publishes the resolution to the features that hold the work, then records the delivery. A
    /// crash in between publishes it again after restart, so subscribers must be idempotent (jobs
    /// derive Dataproc's requestId from their own id).
    private func deliver(_ record: ApprovalRecord) async {
        defer { _ = delivering.withLock { $0.remove(record.id) } }
        guard let resolution = record.resolution else { return }
        // A script's own `approval.request` names an action but owns no component's work: nothing to follow up.
        if record.rule != Self.requestedByCaller {
            await events.publish(.approvalResolved(resolution, action: record.action))
        }
        do {
            try await approvals.markDelivered(record.id, at: now())
        } catch {
            logger.error(
                "could not record an approval follow-up as delivered; it will run again", metadata: ["approval": "\(record.id)", "error": "\(error)"])
        }
    }
}
