import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting
import Synchronization
import Testing

/// Human oversight through the real daemon: callers without a terminal are automation and wait for
/// a person; only a process with a (pseudo-)terminal can decide; undecided requests expire; all audited.
@Suite("Oversight", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct OversightTests {
    static let request =
        #"{"action":"job.submit","entity":"component:default/analytics-pipeline","summary":{"cluster":"etl","pysparkJob":{"mainPythonFileUri":"gs://bucket/etl.py"}}}"#

    @Test func automationWaitsForAPersonAtATerminal() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let id = try Self.requestApproval(daemon)

        let record = try daemon.client().call("approval.get", params: ["id": .string(id)])
        #expect(record["state"] == "pending")
        #expect(record["requester"]?["callerClass"] == "automation")
        #expect(record["requester"]?["executable"]?.stringValue?.hasSuffix("/gatehouse") == true)
        #expect(record["requester"]?["sha256"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(record["summary"]?["pysparkJob"]?["mainPythonFileUri"] == "gs://bucket/etl.py")

        let listed = try Self.withoutTerminal(daemon, ["approvals"])
        #expect(listed.status == 0)
        #expect(
            listed.stdout.contains(id) && listed.stdout.contains("job.submit") && listed.stdout.contains("gs://bucket/etl.py"), "\(listed.stdout)")

        let refused = try Self.withoutTerminal(daemon, ["approve", id])
        #expect(refused.status == 4, "automation may not approve: \(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("approvals must come from a person at a terminal"), "\(refused.stderr)")
        #expect(try daemon.client().call("approval.get", params: ["id": .string(id)])["state"] == "pending")

        let approved = try Self.underPseudoTerminal(daemon, ["approve", id])
        #expect(approved.status == 0, "a person at a pty approves: \(approved.stdout) \(approved.stderr)")
        #expect(approved.stdout.contains("\(id) approved"))
        let settled = try daemon.client().call("approval.wait", params: ["id": .string(id)])
        #expect(settled["state"] == "approved", "wait answers at once when already settled")
        #expect(settled["decider"]?["callerClass"] == "interactive")
        #expect(settled["followUpDelivered"] != nil)

        let requested = try Self.auditRecords(daemon, method: "approval.requested")
        #expect(requested.count == 1 && requested.first?["decision"] == "pending" && requested.first?["callerClass"] == "automation")
        let resolved = try Self.auditRecords(daemon, method: "approval.resolved")
        #expect(resolved.count == 1 && resolved.first?["decision"] == "allow" && resolved.first?["callerClass"] == "interactive")
        let attempts = try Self.auditRecords(daemon, method: "approval.approve")
        #expect(attempts.map { $0["callerClass"] } == ["automation", "interactive"])
        #expect(attempts.first?["errorReason"] == "approver_not_interactive")
        let table = try daemon.cli(["audit", "query", "--method", "approval.resolved"])
        #expect(table.stdout.contains("approval.resolved") && table.stdout.contains("allow"))
        let verify = try daemon.cli(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test func aWaitingCallerIsToldWhenAPersonDenies() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let id = try Self.requestApproval(daemon)
        // The waiter blocks on its socket, so it runs on its own thread.
        let outcome = Mutex<(notifications: [String], result: JSONValue?)>(([], nil))
        let socketPath = daemon.socketPath
        let waiter = Thread {
            guard let client = try? RPCClient(socketPath: socketPath) else { return }
            client.onNotification = { message in
                outcome.withLock { $0.notifications.append(message["method"]?.stringValue ?? "?") }
            }
            let result = try? client.call("approval.wait", params: ["id": .string(id)])
            outcome.withLock { $0.result = result ?? .null }
        }
        waiter.start()
        for _ in 0..<100 where outcome.withLock({ $0.notifications.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }

        let denied = try Self.underPseudoTerminal(daemon, ["deny", id, "--reason", "not during the freeze"])
        #expect(denied.status == 0, "\(denied.stdout) \(denied.stderr)")
        for _ in 0..<200 where outcome.withLock({ $0.result == nil }) { try await Task.sleep(for: .milliseconds(50)) }
        let seen = outcome.withLock { $0 }
        #expect(seen.notifications == ["approval.pending", "approval.resolved"])
        #expect(seen.result?["state"] == "denied")
        #expect(seen.result?["reason"] == "not during the freeze")
    }

    @Test func anUndecidedRequestExpiresAndCannotBeApprovedAfter() async throws {
        let daemon = try TestDaemon(config: "oversight:\n  approval_ttl_seconds: 2\n")
        try await daemon.start()
        let id = try Self.requestApproval(daemon)
        var state: JSONValue? = "pending"
        for _ in 0..<60 where state == "pending" {
            try await Task.sleep(for: .milliseconds(250))
            state = try daemon.client().call("approval.get", params: ["id": .string(id)])["state"]
        }
        #expect(state == "expired")
        let late = try Self.underPseudoTerminal(daemon, ["approve", id])
        #expect(late.status != 0)
        #expect(late.stdout.contains("already expired") || late.stderr.contains("already expired"), "\(late.stdout) \(late.stderr)")
        let resolved = try Self.auditRecords(daemon, method: "approval.resolved")
        #expect(resolved.count == 1 && resolved.first?["params"]?["outcome"] == "expired")
        #expect(try daemon.cli(["audit", "verify"]).status == 0)
    }

    // MARK: helpers

    /// Asks for an approval from a process in its own session (so it has no terminal even when the tests run in one).
    static func requestApproval(_ daemon: TestDaemon) throws -> String {
        let asked = try withoutTerminal(daemon, ["call", "approval.request", request])
        let answer = try JSONDecoder().decode(JSONValue.self, from: Data(asked.stdout.utf8))
        #expect(answer["state"] == "PENDING_APPROVAL")
        return try #require(answer["approvalId"]?.stringValue, "\(asked.stdout) \(asked.stderr)")
    }

    /// `gatehouse ARGS` in a new session: no controlling terminal.
    static func withoutTerminal(_ daemon: TestDaemon, _ arguments: [String]) throws -> CommandResult {
        try TestDaemon.run("/usr/bin/setsid", ["-w", BuiltProducts.path("gatehouse")] + arguments, environment: daemon.environment)
    }

    /// `gatehouse ARGS` under util-linux `script`, which gives it a pseudo-terminal as its controlling terminal.
    /// With `timeoutSeconds`, the command is ended (exit 124) if it has not finished by then.
    static func underPseudoTerminal(_ daemon: TestDaemon, _ arguments: [String], timeoutSeconds: Int? = nil) throws -> CommandResult {
        let limit = timeoutSeconds.map { ["timeout", String($0)] } ?? []
        let command = (limit + [BuiltProducts.path("gatehouse")] + arguments).map(shellQuoted).joined(separator: " ")
        return try TestDaemon.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: daemon.environment)
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    static func auditRecords(_ daemon: TestDaemon, method: String) throws -> [JSONValue] {
        try daemon.client().call("audit.query", params: ["method": .string(method)])["records"]?.arrayValue ?? []
    }
}
