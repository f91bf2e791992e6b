import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

extension SubmitRequest {
    /// `batch.submit` of `BatchEnvironment.batch(n)`.
    static let batch = SubmitRequest(method: "batch.submit", idKey: "batchId") { index in
        ["entity": .string(JobEnvironment.entity), "batch": BatchEnvironment.batch(index)]
    }
}

/// What batch tests add to the job environment: a batch body, local counts and the sandbox's own batches.
enum BatchEnvironment {
    /// A PySpark batch whose argument tells submissions apart.
    static func batch(_ index: Int) -> JSONValue {
        ["pysparkBatch": ["mainPythonFileUri": "gs://bucket/engagement.py", "args": [.string("--part"), .string("\(index)")]]]
    }

    /// How many local batches are in `state`.
    static func localCount(_ env: JobEnvironment, _ state: String) async throws -> Int {
        Int(try await env.call("batch.list", ["state": .string(state), "limit": 10000])["count"]?.intValue ?? -1)
    }

    /// The sandbox Dataproc's own batches (deleted ones left out), read through its admin API.
    static func upstream(_ env: JobEnvironment) async throws -> [(batchId: String, requestId: String?, state: String, batch: JSONValue)] {
        let url = env.sandbox.adminURL.appendingPathComponent("admin/dataproc/batches").absoluteString
        let fetched = try await offPool { try TestDaemon.run("/usr/bin/curl", ["-sS", "--max-time", "30", url]) }
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(fetched.stdout.utf8))
        return (body["batches"]?.arrayValue ?? []).map { batch in
            (batch["batchId"]?.stringValue ?? "", batch["requestId"]?.stringValue, batch["state"]?.stringValue ?? "", batch["batch"] ?? .null)
        }
    }

    /// Whether a logged request is a `batches.create` (the path may carry its query).
    static func isCreate(_ request: LoggedRequest) -> Bool {
        request.method == "POST" && (request.path.hasSuffix("/batches") || request.path.contains("/batches?"))
    }

    /// Faults the sandbox applied to `batches.create` requests among its latest `last` requests.
    static func createFaults(_ sandbox: Sandbox, last: Int) -> Set<String> {
        Set(sandbox.requestLog.recent(upstream: .dataproc, limit: last).filter(isCreate).compactMap(\.fault))
    }
}

/// Dataproc Serverless batches through the real daemon: exactly once under faults and kill -9,
/// policy, approvals, params validation, and the CLI.
@Suite("Serverless batches through the daemon", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct BatchIntegrationTests {
    @Test func batchesReachDataprocExactlyOnceThroughResetsTimeoutsAnd503sAnd429s() async throws {
        try await using(JobEnvironment.start()) { env in
            let sandbox = env.sandbox
            // One fault at a time (a reset after the body was read, a 503, a 429), the next set as soon
            // as the last was used, so faults meet the outbox's retries rather than the circuit breaker.
            let chaos = Task {
                var seen: Set<String> = []
                var injected = 0
                let kinds: [SandboxFault] = [
                    SandboxFault(kind: .resetAfterBody, count: 1), SandboxFault(kind: .status, count: 1, status: 503),
                    SandboxFault(kind: .ratelimit, count: 1, retryAfter: 1),
                ]
                while !Task.isCancelled && injected < 60 {
                    if !kinds.contains(where: { sandbox.faults.peek($0.kind, on: .dataproc) != nil }) {
                        try await sandbox.setFault(kinds[injected % kinds.count], on: .dataproc)
                        injected += 1
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                    seen.formUnion(BatchEnvironment.createFaults(sandbox, last: 500))
                }
                return seen
            }
            let first = try await env.submit(200, clients: 8, request: .batch)
            let firstSent = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                try await BatchEnvironment.localCount(env, "QUEUED") == 0
            }
            chaos.cancel()
            var faults = try await chaos.value
            try await sandbox.clearFaults(on: .dataproc)
            #expect(firstSent, "the first 200 were sent")

            // 50 more while every call outlasts the 2 s deadline: the sandbox creates each batch, the
            // daemon times out and resends with the same requestId and batchId once the upstream is quick.
            try await sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 2500), on: .dataproc)
            let second = try await env.submit(50, clients: 8, request: .batch)
            try await Task.sleep(for: .seconds(3))
            faults.formUnion(BatchEnvironment.createFaults(sandbox, last: 2000))
            try await sandbox.clearFaults(on: .dataproc, kind: .slow)
            let acknowledged = first + second
            #expect(acknowledged.count == 250 && Set(acknowledged).count == 250)

            let sent = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
                try await BatchEnvironment.localCount(env, "QUEUED") == 0
            }
            #expect(sent, "batches still queued after 90 s")
            sandbox.clock.advance(by: 10)
            let done = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
                try await BatchEnvironment.localCount(env, "SUCCEEDED") == 250
            }
            let localSucceeded = try await BatchEnvironment.localCount(env, "SUCCEEDED")
            #expect(done, "local SUCCEEDED: \(localSucceeded)")

            let upstream = try await BatchEnvironment.upstream(env)
            print(
                "batch exactly-once test: \(upstream.count) batches upstream for \(acknowledged.count) acknowledged; faults met: \(faults.sorted())")
            #expect(upstream.count == 250, "the sandbox holds exactly one batch per acknowledged submission")
            #expect(Set(upstream.map(\.batchId)) == Set(acknowledged), "each batch's Dataproc batchId is its local id")
            #expect(Set(upstream.compactMap(\.requestId)) == Set(acknowledged), "one requestId per batch, derived from its id")
            #expect(faults.isSuperset(of: ["reset-after-body", "status", "ratelimit", "slow"]), "every fault met a create: \(faults)")
        }
    }

    @Test func killNineWhileSubmittingLosesNoAcknowledgedBatchAndDuplicatesNone() async throws {
        try await using(JobEnvironment.start()) { env in
            let daemon = env.daemon
            // Each create takes 150 ms upstream, so kills land while requests are in flight.
            try await env.sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 150), on: .dataproc)
            let finished = DoneFlag()
            let submitting = Task {
                defer { finished.set() }
                return try await env.submit(200, clients: 8, untilAcknowledged: true, deadline: .seconds(150), request: .batch)
            }
            var kills = 0
            var afterSubmitting = 0
            while afterSubmitting < 8 {
                try await Task.sleep(for: .milliseconds(200))
                daemon.stop(signal: SIGKILL)
                kills += 1
                try await daemon.start()
                if finished.isSet { afterSubmitting += 1 }
            }
            let acknowledged = try await submitting.value
            try await env.sandbox.clearFaults(on: .dataproc)
            #expect(kills >= 3)
            #expect(acknowledged.count >= 200, "acknowledged between kills: \(acknowledged.count)")

            let drained = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                try await BatchEnvironment.localCount(env, "QUEUED") == 0
            }
            #expect(drained)
            let upstream = try await BatchEnvironment.upstream(env)
            let creates = env.sandbox.requestLog.recent(upstream: .dataproc).filter(BatchEnvironment.isCreate).count
            print(
                "batch crash test: \(kills) kills, \(acknowledged.count) acknowledged, \(creates) create requests, \(upstream.count) batches upstream"
            )
            let upstreamIDs = upstream.map(\.batchId)
            #expect(Set(upstreamIDs).count == upstreamIDs.count, "no batch exists twice upstream")
            #expect(Set(upstreamIDs).isSuperset(of: acknowledged), "every acknowledged batch reached Dataproc")
            let local = try await env.call("batch.list", ["limit": 10000])["batches"]?.arrayValue?.compactMap { $0["batchId"]?.stringValue } ?? []
            #expect(Set(upstreamIDs).isSubset(of: Set(local)), "nothing upstream that the daemon does not know")
            let audited = try await env.call("audit.query", ["method": "batch.submit", "outcome": "ok", "limit": 1000])
            let auditedIDs = (audited["records"]?.arrayValue ?? []).compactMap { $0["detail"]?["batchId"]?.stringValue }
            #expect(Set(auditedIDs) == Set(local), "every queued batch has its audit record and every ok record its batch")
            daemon.stop()
            let verify = try await offPool { try daemon.cli(["audit", "verify"]) }
            #expect(verify.status == 0, "audit chain: \(verify.stdout) \(verify.stderr)")
        }
    }

    @Test func cliSubmitsListsShowsLogsAndCancelsWithPolicyAndValidation() async throws {
        try await using(JobEnvironment.start()) { env in
            let daemon = env.daemon
            let submitted = try await offPool {
                try daemon.cli([
                    "batch", "submit", JobEnvironment.entity, "--pyspark", "gs://bucket/main.py", "--runtime-version", "2.2", "--label", "team=a",
                    "--json", "--", "--day", "2026-11-23",
                ])
            }
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let answer = try JSONDecoder().decode(JSONValue.self, from: Data(submitted.stdout.utf8))
            let id = try #require(answer["batchId"]?.stringValue)
            #expect(answer["state"] == "QUEUED" && answer["region"] == "europe-west1" && answer["project"] == "demo-project")

            let listed = try await offPool { try daemon.cli(["batch", "ls"]) }
            #expect(listed.stdout.contains(id) && listed.stdout.contains("pysparkBatch"), "\(listed.stdout)")
            let pending = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                try await env.call("batch.show", ["batchId": .string(id)])["state"] != "QUEUED"
            }
            #expect(pending, "sent")
            let upstream = try #require(try await BatchEnvironment.upstream(env).first)
            #expect(upstream.batchId == id && upstream.requestId == id)
            let sent = upstream.batch
            #expect(sent["labels"]?["team"] == "a" && sent["labels"]?["gatehouse-entity"] != nil, "labels as on clusters: \(sent)")
            #expect(sent["labels"]?["gatehouse-owner"] == "team-a")
            #expect(sent["pysparkBatch"]?["args"] == ["--day", "2026-11-23"])

            env.sandbox.clock.advance(by: 5)
            let succeeded = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                try await env.call("batch.show", ["batchId": .string(id)])["state"] == "SUCCEEDED"
            }
            #expect(succeeded)
            let shown = try await offPool { try daemon.cli(["batch", "show", id]) }
            // RUNNING may fall between two polls (the clock jumped 5 s): the tracker stores the states it saw.
            for state in ["QUEUED", "PENDING", "SUCCEEDED"] { #expect(shown.stdout.contains(state), "\(shown.stdout)") }
            let logs = try await offPool { try daemon.cli(["batch", "logs", id]) }
            #expect(logs.status == 0 && logs.stdout.contains("main.py"), "driver output: \(logs.stdout) \(logs.stderr)")

            // A batch that cannot be sent (503s) is cancelled, after a confirmation scripts give with --yes: withdrawn
            // when its create was never tried, else sent once Dataproc answers and cancelled there through its operation.
            try await env.sandbox.setFault(SandboxFault(kind: .status, count: 100_000, status: 503), on: .dataproc)
            let second = try await env.call("batch.submit", ["entity": .string(JobEnvironment.entity), "batch": BatchEnvironment.batch(2)])
            let secondID = try #require(second["batchId"]?.stringValue)
            let unconfirmed = try await offPool { try daemon.cli(["batch", "cancel", secondID]) }
            #expect(unconfirmed.status == 2, "a destructive command wants --yes off a terminal: \(unconfirmed.stderr)")
            let cancelled = try await offPool { try daemon.cli(["batch", "cancel", secondID, "--yes"]) }
            #expect(cancelled.status == 0 && cancelled.stdout.contains("withdrawn"), "\(cancelled.stdout) \(cancelled.stderr)")
            try await env.sandbox.clearFaults(on: .dataproc)
            let settled = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                let local = try await env.call("batch.show", ["batchId": .string(secondID)])
                let remote = try await BatchEnvironment.upstream(env).first { $0.batchId == secondID }
                return local["state"] == "CANCELLED" && local["outbox"]?.arrayValue?.allSatisfy { $0["state"] != "pending" } == true
                    && (remote == nil || remote?.state == "CANCELLED")
            }
            #expect(settled, "cancelled locally, and upstream too if its create got there")
            #expect(try await BatchEnvironment.upstream(env).filter { $0.batchId == secondID }.count <= 1)

            // Params validation: each refusal is invalid params (exit 2 in the CLI) and names the problem.
            let missing = try await daemon.failure("batch.submit", ["entity": .string(JobEnvironment.entity)])
            #expect(missing?.code == RPCErrorCode.invalidParams.rawValue)
            let two = try await daemon.failure(
                "batch.submit",
                [
                    "entity": .string(JobEnvironment.entity),
                    "batch": ["pysparkBatch": ["mainPythonFileUri": "gs://b/a.py"], "sparkBatch": ["mainClass": "A"]],
                ])
            #expect(
                two?.code == RPCErrorCode.invalidParams.rawValue && two?.data?["detail"]?.stringValue?.contains("exactly one") == true,
                "\(String(describing: two))")
            let runtime = try await daemon.failure(
                "batch.submit",
                [
                    "entity": .string(JobEnvironment.entity),
                    "batch": [
                        "pysparkBatch": ["mainPythonFileUri": "gs://b/a.py"], "runtimeConfig": ["version": 2], "environmentConfig": ["cores": 4],
                    ],
                ])
            let problems = runtime?.data?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(problems.contains("batch.runtimeConfig.version must be a string"), "\(problems)")
            #expect(problems.contains { $0.hasPrefix("batch.environmentConfig.cores is not a field") }, "\(problems)")
            let reserved = try await daemon.failure(
                "batch.submit",
                [
                    "entity": .string(JobEnvironment.entity),
                    "batch": ["pysparkBatch": ["mainPythonFileUri": "gs://b/a.py"], "labels": ["gatehouse-owner": "me"]],
                ])
            #expect(reserved?.data?["problems"]?.arrayValue?.first?.stringValue?.contains("reserved") == true)
            let noMain = try await offPool { try daemon.cli(["batch", "submit", JobEnvironment.entity, "--spec", "/dev/null"]) }
            #expect(noMain.status == 2, "\(noMain.stderr)")
            let unknown = try await daemon.failure("batch.show", ["batchId": "gh-nope"])
            #expect(unknown?.data?["reason"] == "unknown_batch")
            #expect(try await daemon.failure("batch.cancel", ["batchId": 7])?.code == RPCErrorCode.invalidParams.rawValue)
            #expect(try await daemon.failure("batch.logs", ["batchId": .string(id), "fromChunk": -1])?.code == RPCErrorCode.invalidParams.rawValue)

            // A non-owned entity is denied by policy (exit 4) and audited.
            let denied = try await offPool {
                try daemon.cli(["batch", "submit", "component:default/billing-etl", "--pyspark", "gs://bucket/main.py"])
            }
            #expect(denied.status == 4, "\(denied.stdout) \(denied.stderr)")
            let audit = try await env.call("audit.query", ["method": "batch.submit", "decision": "deny"])
            #expect(audit["records"]?.arrayValue?.count == 1)

            // An ended batch can be deleted at Dataproc; its record stays.
            let deleted = try await offPool { try daemon.cli(["batch", "delete", id, "--yes"]) }
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let gone = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                !env.sandbox.dataproc.batches.all.contains { $0.batchId == id }
            }
            #expect(gone, "batches.delete reached Dataproc")
        }
    }

    @Test func automationNeedsAPersonForProductionBatches() async throws {
        try await OversightJobEnvironment.with(approvalTTLSeconds: 30) { env in
            let daemon = env.daemon
            let params: JSONValue = ["entity": .string(OversightJobTests.production), "batch": BatchEnvironment.batch(1)]
            let result = try OversightTests.withoutTerminal(daemon, ["call", "batch.submit", params.canonicalString])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            let submitted = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
            #expect(submitted["state"] == "PENDING_APPROVAL")
            let approvalID = try #require(submitted["approvalId"]?.stringValue)
            let batchID = try #require(submitted["batchId"]?.stringValue)
            let approval = try await env.call("approval.get", ["id": .string(approvalID)])
            #expect(approval["action"] == "job.submit" && approval["summary"]?["serverless"] == true)
            #expect(approval["requester"]?["callerClass"] == "automation")

            try await Task.sleep(for: .seconds(3))
            #expect(env.sandbox.dataproc.batches.all.isEmpty, "nothing reaches Dataproc while the approval waits")

            let approved = try OversightTests.underPseudoTerminal(daemon, ["approve", approvalID])
            #expect(approved.status == 0, "\(approved.stdout) \(approved.stderr)")
            let sent = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) { !env.sandbox.dataproc.batches.all.isEmpty }
            #expect(sent, "the approved batch reaches Dataproc")
            try await Task.sleep(for: .seconds(3))
            #expect(env.sandbox.dataproc.batches.all.map(\.batchId) == [batchID], "sent exactly once")
            #expect(try await env.call("batch.show", ["batchId": .string(batchID)])["state"] != "PENDING_APPROVAL")
            let audited = try await env.call("audit.query", ["method": "batch.submit"])["records"]?.arrayValue ?? []
            #expect(audited.first?["decision"] == "pending")
        }
    }
}
