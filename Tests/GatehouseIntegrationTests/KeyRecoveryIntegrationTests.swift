import Foundation
import GatehouseCore
import GatehouseTestSupport
import GatehouseTesting
import Testing

@Suite("A lost sealing key", .serialized)
struct KeyRecoveryIntegrationTests {
    @Test func theDaemonStartsSignedOutKeepsTheTrailAndQueuedWorkAndSignsInAgain() async throws {
        try await using(JobEnvironment.start()) { env in
            // A job acknowledged while Dataproc is down: it waits in the outbox.
            try await env.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            let submitted = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(7)])
            let id = try #require(submitted["jobId"]?.stringValue)
            let before = try await env.call("audit.verify")
            #expect(before["intact"] == true, "\(before)")

            // The key file is lost (a new laptop image, a wiped home): a new key is made at start,
            // and it opens none of what was sealed with the old one.
            env.daemon.stop()
            try FileManager.default.removeItem(atPath: env.daemon.databasePath + ".key")
            try await env.daemon.start()

            let status = try await env.call("auth.status")
            #expect(status["signedIn"] == false, "\(status)")
            #expect(status["lastError"]?.stringValue?.contains("gatehouse login") == true, "\(status)")
            let dropped = try await eventually(timeout: .seconds(10)) {
                let page = try await env.call("audit.query", ["method": "identity.session_dropped"])
                return page["records"]?.arrayValue?.first?["detail"]?["reason"]?.stringValue?.contains("sealing key") == true
            }
            #expect(dropped, "the dropped session is in the audit trail, with why")

            // Nothing else was touched: the whole trail still verifies, and the job still waits.
            let after = try await env.call("audit.verify")
            #expect(after["intact"] == true, "\(after)")
            #expect((after["checked"]?.intValue ?? 0) > (before["checked"]?.intValue ?? 0), "\(before) → \(after)")

            // Signing in again is all it takes: the job, still queued, goes out with the new session's token.
            try await env.daemon.signIn(sandbox: env.sandbox, as: "alice")
            let job = try await env.call("job.status", ["jobId": .string(id)])
            #expect(job["state"] == "QUEUED", "\(job)")
            try await env.sandbox.clearFaults(on: .dataproc)
            let sent = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await env.upstreamJobs().contains { $0.jobId == id }
            }
            #expect(sent, "the queued job reaches Dataproc after the new sign-in")
        }
    }
}
