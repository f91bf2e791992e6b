import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// A laptop that sleeps, or whose clock NTP steps back: the real daemon's wall clock jumps (FakeWallClock,
/// preloaded) while its monotonic clock and its waits run on, as across a suspend. Tokens, a held
/// approval, a queued job and a cluster's TTL must each come out right, and nothing may fire twice.
@Suite("The wall clock jumps", .serialized, .timeLimit(.minutes(5)))
struct ClockJumpIntegrationTests {
    static let hour: TimeInterval = 3600

    @Test func twelveHoursForwardAsAfterASuspend() async throws {
        // The day's clusters are torn down six hours from now: the sleep passes that time once.
        let evening = Calendar.current.dateComponents([.hour, .minute], from: Date().addingTimeInterval(6 * Self.hour))
        let endOfDay = String(format: "%02d:%02d", evening.hour ?? 0, evening.minute ?? 0)
        try await ClockJumpEnvironment.with(endOfDay: endOfDay) { env in
            let clusterID = try await env.createRunningCluster()
            let approvalID = try env.requestApproval()
            let jobID = try await env.queueJob(part: 1)
            let refreshesBefore = env.sandbox.oidc.requestCount.refreshes

            // The laptop sleeps 12 hours: the world (the IdP, Dataproc) moves on, and so does the wall clock on wake.
            try env.wallClock.set(offset: 12 * Self.hour)
            env.sandbox.clock.advance(by: 12 * Self.hour)
            try await env.sandbox.clearFaults(on: .dataproc)

            // The held approval expired while asleep: settled once, and its job is never sent.
            let expired = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await env.call("approval.get", ["id": .string(approvalID)])["state"] == "expired"
            }
            #expect(expired, "an approval past its expiry is settled on wake")
            // The queued job goes out once.
            let sent = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await env.upstreamJobIDs().contains(jobID)
            }
            #expect(sent, "the queued job is sent after the wake")
            // The cluster's TTL ran out at Dataproc while asleep; the record says so.
            let gone = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                let state = try await env.call("cluster.get", ["id": .string(clusterID)])["state"]?.stringValue
                return state == "DELETED"
            }
            #expect(gone, "the cluster deleted by its TTL is seen as deleted")
            // Expired tokens are refreshed once, before they are needed, and then used.
            let token = try await env.call("token.get", ["audience": "google"])
            #expect(token["token"]?.stringValue?.isEmpty == false, "\(token)")

            // The end of day passed while asleep: noticed within the schedule's longest pause, and acted on once.
            let tornDown = try await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
                try env.teardowns(trigger: "end-of-day") >= 1
            }
            #expect(tornDown, "the end-of-day teardown runs after the wake")

            try await Task.sleep(for: .seconds(3))  // a few more ticks of every timer: none may fire again
            #expect(try env.teardowns(trigger: "end-of-day") == 1, "one end-of-day teardown for the night slept through")
            #expect(env.sandbox.oidc.requestCount.refreshes - refreshesBefore == 1, "one refresh after the wake")
            let settlements = try env.auditRecords(method: "approval.resolved").filter { $0["params"]?["approvalId"] == .string(approvalID) }
            #expect(settlements.count == 1, "the expiry fired once: \(settlements)")
            #expect(try await env.upstreamJobIDs().filter { $0 == jobID }.count == 1, "sent once")
            #expect(try await env.call("audit.verify")["intact"] == true)
        }
    }

    @Test func anHourBackAsWhenNTPStepsAFastClock() async throws {
        // The laptop's clock ran an hour fast (tokens live long enough to be usable so) until NTP steps it back.
        try await ClockJumpEnvironment.with(wallClockOffset: Self.hour, tokenLifetime: 3 * Self.hour) { env in
            let clusterID = try await env.createRunningCluster()
            let approvalID = try env.requestApproval()
            let jobID = try await env.queueJob(part: 1)
            let googleBefore = try await env.call("token.get", ["audience": "google"])["token"]?.stringValue
            let refreshesBefore = env.sandbox.oidc.requestCount.refreshes

            try env.wallClock.set(offset: 0)
            try await env.sandbox.clearFaults(on: .dataproc)

            // The queued job's next attempt now lies an hour ahead, beyond any backoff the daemon chooses: it is due.
            let sent = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                try await env.upstreamJobIDs().contains(jobID)
            }
            #expect(sent, "the queued job is sent at once, not an hour later")
            // Tokens that arrived "an hour from now" would be used an hour past their end: replaced once, ahead of need.
            let refreshed = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                env.sandbox.oidc.requestCount.refreshes - refreshesBefore >= 1
            }
            #expect(refreshed, "the tokens from before the step are refreshed")
            let googleAfter = try await env.call("token.get", ["audience": "google"])["token"]?.stringValue
            #expect(googleAfter != nil && googleAfter != googleBefore, "a Google token from after the step is handed out")
            // A person's approval keeps its promise in wall-clock time: still held, not settled.
            #expect(try await env.call("approval.get", ["id": .string(approvalID)])["state"] == "pending")
            // The cluster's TTL runs at Dataproc, on the world's clock: still up.
            #expect(try await env.call("cluster.get", ["id": .string(clusterID)])["state"] == "RUNNING")

            try await Task.sleep(for: .seconds(3))  // a few more ticks of every timer: none may fire again
            #expect(env.sandbox.oidc.requestCount.refreshes - refreshesBefore == 1, "one refresh after the step")
            #expect(try env.auditRecords(method: "approval.resolved").isEmpty, "the approval was not settled")
            #expect(try await env.upstreamJobIDs().filter { $0 == jobID }.count == 1, "sent once")
            #expect(try await env.call("audit.verify")["intact"] == true)
        }
    }
}

/// The daemon's wall clock: an offset from the real time, in a file that the preloaded FakeWallClock
/// library (Tests/FakeWallClock) reads. Only the wall clock moves; waits and the monotonic clock do not.
struct FakeWallClock: Sendable {
    let file: String

    /// The environment that puts a process on this clock.
    func environment() throws -> [String: String] {
        let library = BuiltProducts.path("libFakeWallClock.so")
        try #require(FileManager.default.fileExists(atPath: library), "\(library) is not built (swift build builds it)")
        return ["LD_PRELOAD": library, "FAKE_WALL_CLOCK_FILE": file]
    }

    /// Moves the wall clock to real time plus `offset` seconds, at once, for every process on it.
    func set(offset: TimeInterval) throws {
        try String(format: "%+.0f\n", offset).write(toFile: file, atomically: true, encoding: .utf8)
    }
}

/// The sandbox and a daemon on a fake wall clock, signed in as alice with the catalog synced; owners may
/// create clusters, approvals live an hour, and Dataproc starts unreachable so jobs queue.
final class ClockJumpEnvironment: Sendable {
    let sandbox: Sandbox
    let daemon: TestDaemon
    let wallClock: FakeWallClock

    private init(sandbox: Sandbox, daemon: TestDaemon, wallClock: FakeWallClock) {
        self.sandbox = sandbox
        self.daemon = daemon
        self.wallClock = wallClock
    }

    /// `wallClockOffset`: the daemon's clock at the start, ahead of the world's (the sandbox's) by that much.
    static func with(
        wallClockOffset: TimeInterval = 0, tokenLifetime: TimeInterval? = nil, endOfDay: String? = nil,
        _ body: (ClockJumpEnvironment) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        configuration.dataprocStepSeconds = 2
        configuration.tokenLifetime = tokenLifetime
        let sandbox = try await Sandbox.start(configuration)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gh-clock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let wallClock = FakeWallClock(file: root + "/wall-clock-offset")
        let daemon: TestDaemon
        do {
            try wallClock.set(offset: wallClockOffset)
            try """
            rules:
              - name: owners-manage-clusters
                effect: allow
                actions: [cluster.create, cluster.delete]
                owners: true
            """.write(toFile: root + "/rules.yaml", atomically: true, encoding: .utf8)
            daemon = try TestDaemon(
                config: """
                    \(sandboxIdentityAndCatalogYAML(sandbox, configuration))
                    policy:
                      rules_file: \(root)/rules.yaml
                    oversight:
                      approval_ttl_seconds: 3600
                      require_approval: [job.submit@production]
                    dataproc:
                      base_url: \(sandbox.dataprocURL.absoluteString)
                      request_timeout_seconds: 2
                      retry_max_seconds: 1
                      offline_probe_seconds: 1
                      poll_max_seconds: 1
                    clusters:
                      templates: ["small: workers=2 machine=n2-standard-2 image=2.2-debian12"]
                      auto_delete_ttl: 2h
                    \(endOfDay.map { "  end_of_day: \"\($0)\"" } ?? "")
                    """, extraEnvironment: try wallClock.environment())
            try await daemon.start()
            try await daemon.signIn(sandbox: sandbox, as: "alice")
            _ = try await daemon.call("catalog.sync")
        } catch {
            await sandbox.stop()
            throw error
        }
        let environment = ClockJumpEnvironment(sandbox: sandbox, daemon: daemon, wallClock: wallClock)
        do {
            try await body(environment)
        } catch {
            daemon.stop()
            await sandbox.stop()
            throw error
        }
        daemon.stop()
        await sandbox.stop()
    }

    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue { try await daemon.call(method, params) }

    /// A cluster of alice's team, followed until RUNNING; its id.
    func createRunningCluster() async throws -> String {
        let answer = try await call("cluster.create", ["entity": .string(ClusterEnvironment.entity), "template": "small"])
        let id = try #require(answer["clusterId"]?.stringValue)
        let running = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            try await call("cluster.get", ["id": .string(id)])["state"] == "RUNNING"
        }
        try #require(running, "the cluster did not come up")
        return id
    }

    /// A pending approval asked for by a process without a terminal; its id.
    func requestApproval() throws -> String {
        let request: JSONValue = ["action": "job.submit", "entity": .string(OversightJobTests.production), "summary": "a script's own step"]
        let result = try OversightTests.withoutTerminal(daemon, ["call", "approval.request", request.canonicalString])
        let answer = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        return try #require(answer["approvalId"]?.stringValue, "\(result.stdout) \(result.stderr)")
    }

    /// A job acknowledged while Dataproc is unreachable, so it waits in the outbox; its id.
    func queueJob(part: Int) async throws -> String {
        try await sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
        let answer = try await call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(part)])
        return try #require(answer["jobId"]?.stringValue)
    }

    /// The ids of the jobs the sandbox Dataproc holds (one entry per job it made).
    func upstreamJobIDs() async throws -> [String] {
        sandbox.dataproc.jobs.all.map(\.jobId)
    }

    /// How many teardowns `trigger` started (their `cluster.teardown` audit records).
    func teardowns(trigger: String) throws -> Int {
        try auditRecords(method: "cluster.teardown").filter { $0["detail"]?["trigger"] == .string(trigger) }.count
    }

    func auditRecords(method: String) throws -> [JSONValue] {
        try OversightTests.auditRecords(daemon, method: method)
    }
}
