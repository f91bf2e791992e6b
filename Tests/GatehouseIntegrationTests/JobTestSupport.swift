import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

/// What `JobEnvironment.submit` sends: the method, its params for the n-th submission, and the id its answer names.
struct SubmitRequest: Sendable {
    let method: String
    let idKey: String
    let params: @Sendable (Int) -> JSONValue

    /// `job.submit` of `JobEnvironment.job(n)`.
    static let job = SubmitRequest(method: "job.submit", idKey: "jobId") { index in
        ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(index)]
    }
}

/// The real daemon against the in-process sandbox (OIDC, STS, Backstage, Dataproc), signed in as
/// alice (team-a) with the catalog synced: what every job test starts from.
final class JobEnvironment: StoppableResource {
    /// Owned by team-a, experimental (no approval needed), annotated with demo-project/europe-west1/reports-cluster.
    static let entity = "component:default/engagement-reports"

    let sandbox: Sandbox
    let daemon: TestDaemon

    private init(sandbox: Sandbox, daemon: TestDaemon) {
        self.sandbox = sandbox
        self.daemon = daemon
    }

    /// Starts the sandbox and the daemon, signs in and syncs. Dataproc calls time out after 2 s and
    /// the outbox pauses at most 1 s between attempts, so fault tests stay short.
    /// `prepare` runs once the daemon's directories exist, before it starts (to mount a small disk there, say).
    static func start(prepare: (TestDaemon) throws -> Void = { _ in }) async throws -> JobEnvironment {
        var configuration = SandboxConfiguration()
        configuration.dataprocStepSeconds = 2
        let sandbox = try await Sandbox.start(configuration)
        let daemon = try TestDaemon(
            config: """
                \(sandboxIdentityAndCatalogYAML(sandbox, configuration))
                dataproc:
                  base_url: \(sandbox.dataprocURL.absoluteString)
                  storage_base_url: \(sandbox.url(of: .storage).absoluteString)
                  logs_poll_ms: 100
                  request_timeout_seconds: 2
                  retry_max_seconds: 1
                  offline_probe_seconds: 1
                  sender_concurrency: 16
                  poll_max_seconds: 2
                """)
        do {
            try prepare(daemon)
            try await daemon.start()
            try await daemon.signIn(sandbox: sandbox, as: "alice")
            _ = try await daemon.call("catalog.sync")
        } catch {
            daemon.stop(signal: SIGKILL)
            await sandbox.stop()
            throw error
        }
        return JobEnvironment(sandbox: sandbox, daemon: daemon)
    }

    func stop() async {
        daemon.stop()
        await sandbox.stop()
    }

    /// A PySpark job whose argument tells submissions apart.
    static func job(_ index: Int) -> JSONValue {
        ["pysparkJob": ["mainPythonFileUri": "gs://bucket/engagement.py", "args": [.string("--part"), .string("\(index)")]]]
    }

    /// One call on a fresh connection, off the cooperative pool.
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        try await daemon.call(method, params)
    }

    /// Submits `count` jobs from `clients` threads, each on its own connection, and returns the ids
    /// the daemon acknowledged. With `untilAcknowledged`, a call without an answer (the daemon died
    /// under it) does not count: its job may or may not be queued, and only acknowledged jobs are
    /// promised; the thread reconnects and submits more until `count` are acknowledged (a few more
    /// may be, by threads already in flight; all are returned).
    func submit(
        _ count: Int, clients: Int, untilAcknowledged: Bool = false, deadline: Duration = .seconds(120), request: SubmitRequest = .job
    ) async throws -> [String] {
        let socketPath = daemon.socketPath
        let next = Atomic<Int>(0)
        let acknowledged = Mutex<[String]>([])
        let stopAt = ContinuousClock.now + deadline
        try await offPool {
            let done = DispatchGroup()
            for _ in 0..<clients {
                done.enter()
                Thread {
                    defer { done.leave() }
                    var client: RPCClient?
                    while ContinuousClock.now < stopAt {
                        if untilAcknowledged && acknowledged.withLock({ $0.count }) >= count { break }
                        let index = next.add(1, ordering: .relaxed).oldValue
                        if !untilAcknowledged && index >= count { break }
                        do {
                            if client == nil { client = try RPCClient(socketPath: socketPath, timeout: TestDaemon.callTimeout) }
                            let answer = try client!.call(request.method, params: request.params(index))
                            if let id = answer[request.idKey]?.stringValue { acknowledged.withLock { $0.append(id) } }
                        } catch {
                            client = nil
                            Thread.sleep(forTimeInterval: 0.02)
                        }
                    }
                }.start()
            }
            done.wait()
        }
        return acknowledged.withLock { $0 }
    }

    /// How many local jobs are in `state`.
    func localCount(_ state: String) async throws -> Int {
        Int(try await daemon.call("job.list", ["state": .string(state), "limit": 10000])["count"]?.intValue ?? -1)
    }

    /// The sandbox Dataproc's own jobs, read through its admin API: job id → (requestId, state).
    func upstreamJobs() async throws -> [(jobId: String, requestId: String?, state: String)] {
        let url = sandbox.adminURL.appendingPathComponent("admin/dataproc/jobs").absoluteString
        let fetched = try await offPool { try TestDaemon.run("/usr/bin/curl", ["-sS", "--max-time", "30", url]) }
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(fetched.stdout.utf8))
        return (body["jobs"]?.arrayValue ?? []).map { job in
            (job["jobId"]?.stringValue ?? "", job["requestId"]?.stringValue, job["state"]?.stringValue ?? "")
        }
    }
}
