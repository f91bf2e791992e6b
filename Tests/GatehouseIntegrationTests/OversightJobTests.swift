import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// The oversight story end to end: production jobs from automation wait for a person, reach
/// the sandbox Dataproc exactly once when approved from a pty, and never when the approval expires.
@Suite("Oversight of production jobs", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct OversightJobTests {
    static let production = "component:default/analytics-pipeline"

    @Test func automationNeedsAPersonForProductionJobs() async throws {
        try await OversightJobEnvironment.with(approvalTTLSeconds: 8) { jobs in
            let daemon = jobs.daemon
            let submitted = try Self.submitWithoutTerminal(daemon, part: 1)
            #expect(submitted["state"] == "PENDING_APPROVAL")
            let approvalID = try #require(submitted["approvalId"]?.stringValue)
            let jobID = try #require(submitted["jobId"]?.stringValue)
            let approval = try await jobs.call("approval.get", ["id": .string(approvalID)])
            #expect(approval["action"] == "job.submit" && approval["entity"] == .string(Self.production))
            #expect(approval["summary"]?["cluster"] == "analytics-cluster")
            #expect(approval["requester"]?["callerClass"] == "automation")

            // The sender polls its outbox about every second; give it time to (wrongly) send.
            try await Task.sleep(for: .seconds(3))
            #expect(try await jobs.upstreamJobs().isEmpty, "nothing reaches Dataproc while the approval waits")

            let refused = try OversightTests.withoutTerminal(daemon, ["approve", approvalID])
            #expect(refused.status == 4 && refused.stderr.contains("approvals must come from a person at a terminal"), "\(refused.stderr)")

            let approved = try OversightTests.underPseudoTerminal(daemon, ["approve", approvalID])
            #expect(approved.status == 0, "\(approved.stdout) \(approved.stderr)")
            let delivered = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await jobs.call("approval.get", ["id": .string(approvalID)])["followUpDelivered"] == true
            }
            #expect(delivered)
            let sent = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) { try await !jobs.upstreamJobs().isEmpty }
            #expect(sent, "the approved job reaches Dataproc")
            // Let the sender and the tracker run a few more rounds: still one job upstream.
            try await Task.sleep(for: .seconds(3))
            let upstream = try await jobs.upstreamJobs()
            #expect(upstream.count == 1, "sent exactly once: \(upstream)")
            #expect(try await jobs.call("job.status", ["jobId": .string(jobID)])["state"] != "PENDING_APPROVAL")

            let audited = try await jobs.call("audit.query", ["entity": .string(Self.production), "limit": 1000])["records"]?.arrayValue ?? []
            let methods = Set(audited.compactMap { $0["method"]?.stringValue })
            #expect(methods.isSuperset(of: ["job.submit", "approval.requested", "approval.approve", "approval.resolved"]), "\(methods)")
            #expect(audited.first { $0["method"] == "job.submit" }?["decision"] == "pending")
            #expect(try daemon.cli(["audit", "verify"]).status == 0)
        }
    }

    @Test func anExpiredProductionJobIsNeverSent() async throws {
        try await OversightJobEnvironment.with(approvalTTLSeconds: 2) { jobs in
            let submitted = try Self.submitWithoutTerminal(jobs.daemon, part: 2)
            let approvalID = try #require(submitted["approvalId"]?.stringValue)
            let jobID = try #require(submitted["jobId"]?.stringValue)
            let expired = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await jobs.call("approval.get", ["id": .string(approvalID)])["state"] == "expired"
            }
            #expect(expired)
            let settled = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await jobs.call("job.status", ["jobId": .string(jobID)])["state"] == "EXPIRED"
            }
            #expect(settled, "the job ends EXPIRED")
            let late = try OversightTests.underPseudoTerminal(jobs.daemon, ["approve", approvalID])
            #expect(late.status != 0, "an expired approval cannot be approved")
            try await Task.sleep(for: .seconds(2))
            #expect(try await jobs.upstreamJobs().isEmpty)
            #expect(try jobs.daemon.cli(["audit", "verify"]).status == 0)
        }
    }

    @Test func approvingAProductionJobNeedsARecentSignInAtTheIdP() async throws {
        try await OversightJobEnvironment.with(approvalTTLSeconds: 300, stepUpMaxAgeSeconds: 10) { jobs in
            let daemon = jobs.daemon
            let submitted = try Self.submitWithoutTerminal(daemon, part: 3)
            let approvalID = try #require(submitted["approvalId"]?.stringValue)

            // The sign-in the environment started with becomes older than the 10-second window: only
            // the passing of time can show that, so the test waits for it.
            try await Task.sleep(for: .seconds(11))
            let stale = try OversightTests.underPseudoTerminal(daemon, ["approve", approvalID, "--device"], timeoutSeconds: 15)
            #expect(stale.stdout.contains("needs a sign-in at your IdP within the last 10 s"), "\(stale.stdout)")
            #expect(stale.stdout.contains("enter the code"), "approve starts the fresh sign-in itself: \(stale.stdout)")
            #expect(try await jobs.call("approval.get", ["id": .string(approvalID)])["state"] == "pending", "refused without a fresh sign-in")

            // A fresh sign-in (asked for with fresh: true), then the same approval goes through.
            let challenge = try await jobs.call("auth.login.start", ["method": "device", "fresh": true])
            try jobs.sandbox.oidc.approveDevice(userCode: try #require(challenge["userCode"]?.stringValue), subject: "alice")
            let signedIn = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                try await jobs.call("auth.login.status", ["id": challenge["id"] ?? .null])["state"] == "signed_in"
            }
            #expect(signedIn)
            let approved = try OversightTests.underPseudoTerminal(daemon, ["approve", approvalID])
            #expect(approved.status == 0, "\(approved.stdout)")
            let resolved = try OversightTests.auditRecords(daemon, method: "approval.resolved").last
            #expect(resolved?["detail"]?["authMethod"] == "device", "\(String(describing: resolved))")
            #expect(resolved?["detail"]?["authTime"]?.stringValue != nil, "the approval names when the approver signed in")
        }
    }

    /// `gatehouse call job.submit` from a process without a terminal.
    static func submitWithoutTerminal(_ daemon: TestDaemon, part: Int) throws -> JSONValue {
        let params: JSONValue = ["entity": .string(production), "job": JobEnvironment.job(part)]
        let result = try OversightTests.withoutTerminal(daemon, ["call", "job.submit", params.canonicalString])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        return try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
    }
}

/// The job environment plus a policy grant for team-a's production entity and a chosen approval
/// lifetime: the daemon is restarted with them appended to its config (the sign-in and the catalog
/// snapshot are in its database and survive the restart).
enum OversightJobEnvironment {
    static func start(approvalTTLSeconds: Int, stepUpMaxAgeSeconds: Int = 300) async throws -> JobEnvironment {
        let jobs = try await JobEnvironment.start()
        do {
            let daemon = jobs.daemon
            let rules = daemon.root + "/rules.yaml"
            try """
            rules:
              - name: team-a-production-jobs
                effect: allow
                actions: [job.submit, job.view]
                groups: [team-a]
                lifecycles: [production]
            """.write(toFile: rules, atomically: true, encoding: .utf8)
            let config = try String(contentsOfFile: daemon.root + "/config.yaml", encoding: .utf8)
            try
                (config + "\npolicy:\n  rules_file: \(rules)\noversight:\n  approval_ttl_seconds: \(approvalTTLSeconds)\n"
                + "  step_up_max_age_seconds: \(stepUpMaxAgeSeconds)\n")
                .write(toFile: daemon.root + "/config.yaml", atomically: true, encoding: .utf8)
            daemon.stop()
            try await daemon.start()
        } catch {
            await jobs.stop()
            throw error
        }
        return jobs
    }

    /// Runs `body` in a fresh environment and stops it afterwards, also when `body` fails.
    static func with(approvalTTLSeconds: Int, stepUpMaxAgeSeconds: Int = 300, _ body: (JobEnvironment) async throws -> Void) async throws {
        let jobs = try await start(approvalTTLSeconds: approvalTTLSeconds, stepUpMaxAgeSeconds: stepUpMaxAgeSeconds)
        do {
            try await body(jobs)
        } catch {
            await jobs.stop()
            throw error
        }
        await jobs.stop()
    }
}
