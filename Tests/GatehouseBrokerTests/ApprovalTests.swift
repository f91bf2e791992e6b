import Foundation
import GRDB
import GatehouseAudit
import GatehouseCatalog
import GatehouseCore
import GatehouseOversight
import GatehousePeer
import GatehousePolicy
import GatehouseStore
import GatehouseTesting
import Logging
import Synchronization
import Testing

@testable import GatehouseBroker
@testable import GatehouseRPC

/// The oversight component in process: caller classes, the approval gate, decisions, expiry and follow-ups.
@Suite("Approvals")
struct ApprovalTests {
    static let automation = PeerCredentials(uid: getuid(), gid: getgid(), pid: 4_000_001, executable: "/usr/local/bin/deploy-bot")
    static let person = PeerCredentials(
        uid: getuid(), gid: getgid(), pid: 4_000_002, executable: "/usr/local/bin/gatehouse", hasTerminal: true,
        parents: [PeerAncestor(pid: 4_000_003, name: "bash", executable: "/usr/bin/bash")])

    // MARK: caller classes

    @Test func classesComeFromTheExecutableItsAncestorsOrTheTerminal() throws {
        let classifier = try CallerClassifier(entries: ["ai-agent=/opt/agent/*", "ci=/usr/bin/runner-*"])
        let agent = PeerCredentials(uid: 1, gid: 1, pid: 10, executable: "/opt/agent/bin/agent", hasTerminal: true)
        #expect(classifier.classify(agent).name == "ai-agent", "a named class beats having a terminal")
        let shellOfAgent = PeerCredentials(
            uid: 1, gid: 1, pid: 11, executable: "/usr/bin/gatehouse", hasTerminal: true,
            parents: [
                PeerAncestor(pid: 12, name: "bash", executable: "/usr/bin/bash"),
                PeerAncestor(pid: 13, name: "agent", executable: "/opt/agent/bin/agent"),
            ])
        let inherited = classifier.classify(shellOfAgent)
        #expect(inherited.name == "ai-agent")
        #expect(inherited.because.contains("ancestor agent (pid 13)"))
        #expect(classifier.classify(Self.person).name == "interactive")
        #expect(classifier.classify(Self.person).isInteractive)
        #expect(classifier.classify(Self.automation).name == "automation")
        #expect(classifier.classify(Self.automation).because.contains("no controlling terminal"))
    }

    @Test func aClassCanNameAnExecutableByItsHash() throws {
        let sleeper = try ChildProcess("/bin/sleep", ["30"])
        defer {
            sleeper.send(SIGKILL)
            sleeper.waitForExit()
        }
        let hasher = ExecutableHasher()
        let digest = try #require(hasher.sha256(ofFileAt: "/bin/sleep"))
        let classifier = try CallerClassifier(entries: ["ci=\(digest.uppercased())"], hasher: hasher)
        let peer = PeerCredentials.inspect(pid: sleeper.pid, uid: getuid(), gid: getgid())
        #expect(classifier.classify(peer).name == "ci")
        #expect(classifier.classify(Self.automation).name == "automation", "another executable does not match")
    }

    @Test func configuredClassesAreChecked() {
        #expect(throws: OversightError.reservedCallerClass("interactive")) { try CallerClassifier(entries: ["interactive=/usr/bin/*"]) }
        #expect(throws: OversightError.badCallerClass("agent")) { try CallerClassifier(entries: ["agent"]) }
        #expect(throws: OversightError.badCallerClass("ci=sha256:abc")) { try CallerClassifier(entries: ["ci=sha256:abc"]) }
    }

    // MARK: the gate

    @Test func automationIsHeldAndRecordedWhileAPersonGoesAhead() async throws {
        let harness = try Harness()
        let call = Harness.call(Self.automation)
        let pending = try #require(
            try await harness.oversight.requireApproval(
                for: call, action: "cluster.create", entity: "component:default/pipeline", decision: Harness.allowed, summary: ["workers": 4]))
        #expect(pending.id.hasPrefix("apr-"))
        #expect(call.annotations.fields.decision == "pending")
        #expect(call.annotations.fields.callerClass == "automation")
        let record = try #require(try await harness.oversight.approvals.get(pending.id))
        #expect(record.state == .pending)
        #expect(record.requesterPID == 4_000_001 && record.requesterClass == "automation")
        #expect(record.json["summary"] == ["workers": 4])
        let audited = try await harness.auditRecords(method: "approval.requested")
        #expect(audited.count == 1)
        #expect(audited.first?["decision"] == "pending" && audited.first?["caller_class"] == "automation")

        let personCall = Harness.call(Self.person)
        #expect(
            try await harness.oversight.requireApproval(
                for: personCall, action: "cluster.create", entity: "component:default/pipeline", decision: Harness.allowed, summary: .null) == nil)
        #expect(personCall.annotations.fields.callerClass == "interactive")
        #expect(
            try await harness.oversight.requireApproval(
                for: Harness.call(Self.automation), action: "job.view", entity: "component:default/pipeline", decision: Harness.allowed,
                summary: .null) == nil)
    }

    @Test func onlyAPersonOtherThanTheRequesterDecides() async throws {
        let harness = try Harness()
        let id = try await harness.pendingApproval()
        await #expect(throws: OversightError.self) {
            try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(Self.automation))
        }
        let requesterAtATerminal = PeerCredentials(uid: getuid(), gid: getgid(), pid: 4_000_001, executable: "/usr/bin/x", hasTerminal: true)
        await #expect(throws: OversightError.approverIsRequester(id: id, pid: 4_000_001)) {
            try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(requesterAtATerminal))
        }
        let startedByRequester = PeerCredentials(
            uid: getuid(), gid: getgid(), pid: 4_000_009, executable: "/usr/bin/gatehouse", hasTerminal: true,
            parents: [
                PeerAncestor(pid: 4_000_008, name: "script", executable: "/usr/bin/script"),
                PeerAncestor(pid: 4_000_001, name: "bot", executable: nil),
            ])
        await #expect(throws: OversightError.approverIsRequester(id: id, pid: 4_000_001)) {
            try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(startedByRequester))
        }
        #expect(try await harness.oversight.approvals.get(id)?.state == .pending, "refusals change nothing")

        let approved = try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(Self.person))
        #expect(approved.state == .approved && approved.deciderPID == 4_000_002 && approved.deciderClass == "interactive")
        await #expect(throws: OversightError.alreadyDecided(id: id, state: "approved")) {
            try await harness.oversight.decide(id, approve: false, reason: "too late", call: Harness.call(Self.person))
        }
        let resolved = try await harness.auditRecords(method: "approval.resolved")
        #expect(resolved.count == 1, "the losing decision left no record")
        #expect(resolved.first?["decision"] == "allow")
    }

    @Test func automationRefusalSaysWhy() async throws {
        let harness = try Harness()
        let id = try await harness.pendingApproval()
        do {
            _ = try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(Self.automation))
            Issue.record("automation approved")
        } catch let error as OversightError {
            #expect(error.rpcError.code == -32002)
            #expect(error.rpcError.reason == "approver_not_interactive")
            #expect(error.description.contains("no controlling terminal"))
        }
    }

    // MARK: resolution follow-ups

    @Test func eachResolutionRunsItsFollowUpOnce() async throws {
        let harness = try Harness()
        let seen = Mutex<[ApprovalResolution]>([])
        harness.oversight.onResolution(of: "cluster.create") { resolution in seen.withLock { $0.append(resolution) } }
        let approved = try await harness.pendingApproval()
        let denied = try await harness.pendingApproval()
        _ = try await harness.oversight.decide(approved, approve: true, reason: nil, call: Harness.call(Self.person))
        _ = try await harness.oversight.decide(denied, approve: false, reason: "not now", call: Harness.call(Self.person))
        try await harness.oversight.oneRound()
        try await harness.oversight.oneRound()
        let resolutions = seen.withLock { $0 }
        #expect(resolutions.count == 2)
        #expect(resolutions.first { $0.approvalID == approved }?.outcome == .approved)
        #expect(
            resolutions.first { $0.approvalID == denied }
                == ApprovalResolution(approvalID: denied, outcome: .denied, decidedBy: "uid \(getuid())", reason: "not now"))
        #expect(try await harness.oversight.approvals.get(approved)?.deliveredAt != nil)
    }

    @Test func aScriptsOwnRequestRunsNoComponentsFollowUp() async throws {
        let harness = try Harness()
        let count = Atomic<Int>(0)
        harness.oversight.onResolution(of: "cluster.create") { _ in count.add(1, ordering: .relaxed) }
        let call = Harness.call(Self.automation)
        let asked = try await harness.oversight.request(
            call, caller: harness.oversight.classify(call), action: "cluster.create", entity: "component:default/pipeline",
            rule: OversightComponent.requestedByCaller, policyRule: nil, summary: ["step": "drop table"])
        _ = try await harness.oversight.decide(asked.id, approve: true, reason: nil, call: Harness.call(Self.person))
        try await harness.oversight.oneRound()
        #expect(count.load(ordering: .relaxed) == 0, "the approval was the script's own; no component work is attached")
        #expect(try await harness.oversight.approvals.get(asked.id)?.deliveredAt != nil)
    }

    @Test func aResolutionOwedAtShutdownIsDeliveredAfterRestartAndOnlyThen() async throws {
        let harness = try Harness()
        let id = try await harness.pendingApproval()
        _ = try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(Self.person))
        // The daemon stops before its loop delivered anything; the next one finds the debt in the database.
        let restarted = try harness.restart()
        let count = Atomic<Int>(0)
        restarted.onResolution(of: "cluster.create") { _ in count.add(1, ordering: .relaxed) }
        try await restarted.oneRound()
        #expect(count.load(ordering: .relaxed) == 1)
        let again = try harness.restart()
        again.onResolution(of: "cluster.create") { _ in count.add(1, ordering: .relaxed) }
        try await again.oneRound()
        #expect(count.load(ordering: .relaxed) == 1, "a delivered resolution is not delivered again")
    }

    @Test func undecidedApprovalsExpire() async throws {
        let harness = try Harness(ttl: 60)
        let outcome = Mutex<ApprovalResolution?>(nil)
        harness.oversight.onResolution(of: "cluster.create") { resolution in outcome.withLock { $0 = resolution } }
        let id = try await harness.pendingApproval()
        try await harness.oversight.oneRound()
        #expect(try await harness.oversight.approvals.get(id)?.state == .pending, "not yet due")
        harness.clock.advance(seconds: 61)
        try await harness.oversight.oneRound()
        let expired = try #require(try await harness.oversight.approvals.get(id))
        #expect(expired.state == .expired && expired.decidedBy == nil)
        #expect(outcome.withLock { $0 }?.outcome == .expired)
        await #expect(throws: OversightError.alreadyDecided(id: id, state: "expired")) {
            try await harness.oversight.decide(id, approve: true, reason: nil, call: Harness.call(Self.person))
        }
        #expect(try await harness.auditRecords(method: "approval.resolved").first?["params"]?.stringValue?.contains(#""outcome":"expired""#) == true)
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A store, an audit log and an oversight component on a controllable clock.
struct Harness {
    static let allowed = Decision(.allow, rule: "owner", reason: "test", snapshotAt: nil)
    let context: BrokerContext
    let oversight: OversightComponent
    let clock = TestClock()

    init(ttl: Int = 900) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-approvals-\(UUID().uuidString.prefix(8))")
        let store = try Store(path: directory.appendingPathComponent("gatehouse.db").path)
        let config = try Config.load(file: nil, environment: [:], flags: ["oversight.approval_ttl_seconds": String(ttl)])
        context = try BrokerContext(config: config, store: store, audit: AuditLog(store: store), logger: Logger(label: "test"))
        let clock = clock
        oversight = try OversightComponent(context: context, catalog: CatalogReader(store: context.store), now: { clock.now })
    }

    /// A fresh component over the same database, as after a daemon restart.
    func restart() throws -> OversightComponent {
        let clock = clock
        return try OversightComponent(context: context, catalog: CatalogReader(store: context.store), now: { clock.now })
    }

    static func call(_ peer: PeerCredentials) -> RPCCall {
        RPCCall(id: .string("t"), method: "test", params: nil, peer: peer, annotations: CallAnnotations(), notifier: .detached)
    }

    /// A pending `cluster.create` from the automation peer.
    func pendingApproval() async throws -> String {
        let pending = try await oversight.requireApproval(
            for: Self.call(ApprovalTests.automation), action: "cluster.create", entity: "component:default/pipeline",
            decision: Self.allowed, summary: ["cluster": "etl"])
        return try #require(pending).id
    }

    func auditRecords(method: String) async throws -> [JSONValue] {
        try await context.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT decision, caller_class, params FROM audit_log WHERE method = ? ORDER BY seq", arguments: [method]).map {
                row in
                [
                    "decision": .string(row["decision"]), "caller_class": (row["caller_class"] as String?).map(JSONValue.string) ?? .null,
                    "params": .string(row["params"]),
                ]
            }
        }
    }
}

extension OversightComponent {
    /// Subscribes `body` to the resolutions of `action` this component publishes, as the jobs and clusters components do.
    func onResolution(of action: String, _ body: @escaping @Sendable (ApprovalResolution) async -> Void) {
        events.subscribe { event in
            if case .approvalResolved(let resolution, let resolved) = event, resolved == action { await body(resolution) }
        }
    }
}
