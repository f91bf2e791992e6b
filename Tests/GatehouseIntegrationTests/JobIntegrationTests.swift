import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

/// Dataproc jobs through the real daemon: exactly once under faults, offline and back, and kill -9.
@Suite("Jobs through the daemon", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct JobIntegrationTests {
    @Test func thousandJobsReachDataprocExactlyOnceThroughResetsTimeoutsAnd503sAnd429s() async throws {
        try await using(JobEnvironment.start()) { env in
            let sandbox = env.sandbox
            let started = ContinuousClock.now

            // 700 jobs through a flaky upstream: one fault at a time (a reset after the body was read,
            // a 503, a 429), the next one set as soon as the last was used, so the faults fall between
            // successes and meet the outbox's retries rather than the circuit breaker.
            let chaos = Task {
                var seen: Set<String> = []
                var injected = 0
                let kinds: [SandboxFault] = [
                    SandboxFault(kind: .resetAfterBody, count: 1), SandboxFault(kind: .status, count: 1, status: 503),
                    SandboxFault(kind: .ratelimit, count: 1, retryAfter: 1),
                ]
                while !Task.isCancelled && injected < 150 {
                    let pending = kinds.contains { sandbox.faults.peek($0.kind, on: .dataproc) != nil }
                    if !pending {
                        try await sandbox.setFault(kinds[injected % kinds.count], on: .dataproc)
                        injected += 1
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                    seen.formUnion(Self.submitFaults(sandbox, last: 500))
                }
                return seen
            }
            let first = try await env.submit(700, clients: 16)
            let firstSent = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) { try await env.localCount("QUEUED") == 0 }
            chaos.cancel()
            var faultsOnSubmits = try await chaos.value
            try await sandbox.clearFaults(on: .dataproc)
            #expect(firstSent, "the first 700 were sent")

            // 300 more while every call outlasts the 2 s deadline: the sandbox still creates each job,
            // the daemon times out, and resends with the same requestId once the upstream is quick again.
            try await sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 2500), on: .dataproc)
            let second = try await env.submit(300, clients: 16)
            try await Task.sleep(for: .seconds(3))
            faultsOnSubmits.formUnion(Self.submitFaults(sandbox, last: 2000))
            try await sandbox.clearFaults(on: .dataproc, kind: .slow)
            let acknowledged = first + second
            #expect(acknowledged.count == 1000)
            #expect(Set(acknowledged).count == 1000)

            let sent = try await eventually(timeout: .seconds(120), every: .milliseconds(200)) { try await env.localCount("QUEUED") == 0 }
            #expect(sent, "jobs still queued after 120 s")
            let sentAfter = ContinuousClock.now - started
            sandbox.clock.advance(by: 10)
            let done = try await eventually(timeout: .seconds(120), every: .milliseconds(200)) { try await env.localCount("DONE") == 1000 }
            print(
                "exactly-once test: all 1000 sent after \(sentAfter), all DONE after \(ContinuousClock.now - started); faults met by submits: \(faultsOnSubmits.sorted())"
            )
            let localDone = try await env.localCount("DONE")
            #expect(done, "local DONE: \(localDone)")

            let upstream = try await env.upstreamJobs()
            #expect(upstream.count == 1000, "the sandbox holds exactly one job per acknowledged submission")
            #expect(Set(upstream.map(\.jobId)) == Set(acknowledged))
            #expect(Set(upstream.compactMap(\.requestId)).count == 1000, "one requestId per job, derived from its id")
            #expect(upstream.allSatisfy { $0.state == "DONE" })
            #expect(
                faultsOnSubmits.isSuperset(of: ["reset-after-body", "status", "ratelimit", "slow"]), "every fault met a submit: \(faultsOnSubmits)")
        }
    }

    /// Faults the sandbox applied to `jobs:submit` requests among its latest `last` requests.
    static func submitFaults(_ sandbox: Sandbox, last: Int) -> Set<String> {
        Set(sandbox.requestLog.recent(upstream: .dataproc, limit: last).filter { $0.path.hasSuffix("jobs:submit") }.compactMap(\.fault))
    }

    @Test func offlineJobsAreQueuedAndAllSentWithinTenSecondsOfRecovery() async throws {
        try await using(JobEnvironment.start()) { env in
            try await env.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)

            let acknowledged = try await env.submit(100, clients: 4)
            #expect(acknowledged.count == 100)
            let first = try await env.daemon.call("job.status", ["jobId": .string(acknowledged[0])])
            #expect(first["state"] == "QUEUED")
            let failing = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                try await env.daemon.call("job.status", ["jobId": .string(acknowledged[0])])["lastError"]?.stringValue?.contains("unreachable")
                    == true
            }
            #expect(failing, "a queued job shows why it has not gone yet")
            try await Task.sleep(for: .seconds(3))  // long enough for the outbox to be deep in its backoff
            #expect(try await env.upstreamJobs().isEmpty)
            #expect(try await env.localCount("QUEUED") == 100)

            try await env.sandbox.clearFaults(on: .dataproc)
            let recovered = ContinuousClock.now
            let allSent = try await eventually(timeout: .seconds(10), every: .milliseconds(100)) { try await env.upstreamJobs().count == 100 }
            let elapsed = ContinuousClock.now - recovered
            let sentCount = try await env.upstreamJobs().count
            #expect(allSent, "only \(sentCount) of 100 sent within 10 s")
            #expect(elapsed < .seconds(10))
            print("offline test: 100 queued jobs all reached Dataproc \(elapsed) after it came back")
            #expect(Set(try await env.upstreamJobs().map(\.jobId)) == Set(acknowledged))
        }
    }

    @Test func killNineWhileSubmittingLosesNoAcknowledgedJobAndDuplicatesNone() async throws {
        try await using(JobEnvironment.start()) { env in
            let daemon = env.daemon
            // Each submit takes 150 ms upstream, so kills land while requests are in flight: the sandbox
            // creates the job, the daemon dies before it hears so, and the restart resends.
            try await env.sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 150), on: .dataproc)
            let finished = DoneFlag()
            let submitting = Task {
                defer { finished.set() }
                return try await env.submit(500, clients: 8, untilAcknowledged: true, deadline: .seconds(150))
            }
            // The killer: 200 ms of life, then SIGKILL, then a restart — while the jobs are submitted, and
            // for ten more rounds while the outbox drains.
            var kills = 0
            var afterSubmitting = 0
            while afterSubmitting < 10 {
                try await Task.sleep(for: .milliseconds(200))
                daemon.stop(signal: SIGKILL)
                kills += 1
                try await daemon.start()
                if finished.isSet { afterSubmitting += 1 }
            }
            let acknowledged = try await submitting.value
            let sentBeforeLastRestart = try await env.upstreamJobs().count
            try await env.sandbox.clearFaults(on: .dataproc)
            #expect(kills >= 3, "the daemon was killed repeatedly")
            #expect(acknowledged.count >= 500, "acknowledged between kills: \(acknowledged.count)")

            let drained = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) { try await env.localCount("QUEUED") == 0 }
            #expect(drained)
            let replays = env.sandbox.requestLog.recent(upstream: .dataproc).filter { $0.path.hasSuffix("jobs:submit") }.count
            let upstream = try await env.upstreamJobs()
            print("crash test: \(replays) submit requests in the sandbox log")
            print(
                "crash test: \(kills) kills, \(acknowledged.count) jobs acknowledged, \(sentBeforeLastRestart) upstream before the last restart, \(upstream.count) after draining"
            )
            let upstreamIDs = upstream.map(\.jobId)
            #expect(Set(upstreamIDs).count == upstreamIDs.count, "no job exists twice upstream")
            #expect(Set(upstreamIDs).isSuperset(of: acknowledged), "every acknowledged job reached Dataproc")
            #expect(Set(upstream.compactMap(\.requestId)).count == upstream.count)
            let local = try await env.daemon.call("job.list", ["limit": 10000])["jobs"]?.arrayValue?.compactMap { $0["jobId"]?.stringValue } ?? []
            #expect(Set(upstreamIDs).isSubset(of: Set(local)), "nothing upstream that the daemon does not know")
            // The job row and its audit record commit together: under kill -9 neither exists without the other.
            let audited = try await env.call("audit.query", ["method": "job.submit", "outcome": "ok", "limit": 1000])
            let auditedIDs = (audited["records"]?.arrayValue ?? []).compactMap { $0["detail"]?["jobId"]?.stringValue }
            #expect(auditedIDs.count < 1000, "one page holds every record")
            #expect(Set(auditedIDs) == Set(local), "every queued job has its audit record and every ok record its job")

            daemon.stop()
            let verify = try await offPool { try daemon.cli(["audit", "verify"]) }
            #expect(verify.status == 0, "audit chain: \(verify.stdout) \(verify.stderr)")
            let submits = try await offPool { try daemon.cli(["audit", "query", "--method", "job.submit", "--json"]) }
            #expect(submits.status == 0, "\(submits.stderr)")
        }
    }

    @Test func cliSubmitsListsWatchesAndCancels() async throws {
        try await using(JobEnvironment.start()) { env in
            let daemon = env.daemon
            let submitted = try await offPool {
                try daemon.cli([
                    "job", "submit", JobEnvironment.entity, "--pyspark", "gs://bucket/main.py", "--label", "team=a", "--json", "--", "--day",
                    "2026-11-23", "--json",
                ])
            }
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let answer = try JSONDecoder().decode(JSONValue.self, from: Data(submitted.stdout.utf8))
            let id = try #require(answer["jobId"]?.stringValue)
            #expect(answer["state"] == "QUEUED")
            #expect(answer["cluster"] == "reports-cluster")
            // Everything after `--` is the driver's, `--json` included; Gatehouse's own flags before it still apply.
            let audited = try await env.daemon.call("audit.query", ["method": "job.submit"])
            let job = audited["records"]?.arrayValue?.last?["params"]?["job"]
            #expect(job?["pysparkJob"]?["args"] == ["--day", "2026-11-23", "--json"], "\(job ?? .null)")

            let listed = try await offPool { try daemon.cli(["job", "ls"]) }
            #expect(listed.stdout.contains(id) && listed.stdout.contains(JobEnvironment.entity), "\(listed.stdout)")

            let pending = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                try await env.daemon.call("job.status", ["jobId": .string(id)])["state"] == "PENDING"
            }
            #expect(pending)
            let upstream = try #require(try await env.upstreamJobs().first)
            #expect(upstream.jobId == id)
            let sent = env.sandbox.dataproc.jobs.all.first
            #expect(sent?.requestId == id)

            let watching = Task { try await offPool { try daemon.cli(["job", "watch", id]) } }
            try await Task.sleep(for: .milliseconds(500))
            env.sandbox.clock.advance(by: 5)
            let watched = try await watching.value
            #expect(watched.status == 0, "\(watched.stdout) \(watched.stderr)")
            #expect(watched.stdout.contains("DONE") && watched.stdout.contains("\(id) ended DONE"), "\(watched.stdout)")

            let status = try await offPool { try daemon.cli(["job", "status", id]) }
            for state in ["QUEUED", "PENDING", "DONE"] { #expect(status.stdout.contains(state), "\(status.stdout)") }

            // A job that cannot be sent (Dataproc answers 503) is withdrawn by cancel and never sent. (A downed
            // listener would not do here: the connection kept alive from the first job still reaches the sandbox.)
            try await env.sandbox.setFault(SandboxFault(kind: .status, count: 100_000, status: 503), on: .dataproc)
            let second = try await env.daemon.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(2)])
            let secondID = try #require(second["jobId"]?.stringValue)
            let refused = try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                try await env.daemon.call("job.status", ["jobId": .string(secondID)])["lastError"]?.stringValue?.contains("503") == true
            }
            #expect(refused, "the second job met the 503s and stays queued")
            let cancelled = try await offPool { try daemon.cli(["job", "cancel", secondID]) }
            #expect(cancelled.status == 0 && cancelled.stdout.contains("withdrawn"), "\(cancelled.stdout) \(cancelled.stderr)")
            try await env.sandbox.clearFaults(on: .dataproc)
            try await Task.sleep(for: .seconds(2))
            #expect(try await env.daemon.call("job.status", ["jobId": .string(secondID)])["state"] == "CANCELLED")
            let afterCancel = try await env.upstreamJobs()
            #expect(afterCancel.map(\.jobId) == [id], "only the first job went upstream: \(afterCancel)")

            // Another cluster of the entity's project and region, by name; a name Dataproc would refuse is refused here.
            let elsewhere = try await env.call(
                "job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(3), "cluster": "adhoc-cluster-1"])
            #expect(elsewhere["cluster"] == "adhoc-cluster-1" && elsewhere["project"] == "demo-project")
            let badCluster = try await env.daemon.failure(
                "job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(4), "cluster": "Bad_Name"])
            #expect(badCluster?.code == RPCErrorCode.invalidParams.rawValue)

            // A spec that does not fit the discovery document is refused before anything is queued (exit 2), naming the field.
            let specFile = daemon.root + "/bad-job.json"
            try #"{"pysparkJob": {"mainPythonFile": "gs://bucket/main.py"}}"#.write(toFile: specFile, atomically: true, encoding: .utf8)
            let invalid = try await offPool { try daemon.cli(["job", "submit", JobEnvironment.entity, "--spec", specFile]) }
            #expect(invalid.status == 2, "\(invalid.stdout) \(invalid.stderr)")
            #expect(invalid.stderr.contains("job.pysparkJob.mainPythonFile is not a field"), "\(invalid.stderr)")

            // A non-owned entity is denied by policy (exit 4) and audited.
            let denied = try await offPool {
                try daemon.cli(["job", "submit", "component:default/billing-etl", "--pyspark", "gs://bucket/main.py"])
            }
            #expect(denied.status == 4, "\(denied.stdout) \(denied.stderr)")
            let audit = try await env.daemon.call("audit.query", ["method": "job.submit", "decision": "deny"])
            #expect(audit["records"]?.arrayValue?.count == 1)
        }
    }
}

/// Set once by one task, read by another.
final class DoneFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
