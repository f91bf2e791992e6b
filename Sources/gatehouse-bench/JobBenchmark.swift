import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting

extension Bench {
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jobs",
            abstract: "job.submit acknowledgements (policy, outbox row + audit record in one commit) vs a bare Unix-socket echo.")

        @Option(help: "Seconds measured per run (after 0.5 s warm-up).") var seconds: Double = 3
        @Option(help: "Client counts to measure.") var clients: [Int] = [16]
        @Option(help: "store.durability for the daemon: normal or full.") var durability: String = "normal"
        @Flag(help: "Leave the sandbox Dataproc up, so the sender delivers while acknowledgements are measured (default: down, acks only).")
        var deliver = false

        func run() async throws {
            print(try await JobBenchmark.run(seconds: seconds, clients: clients, durability: durability, deliver: deliver))
        }
    }
}

/// Starts the sandbox in process and a daemon signed in as alice with the demo catalog synced,
/// then measures `job.submit` acknowledgements beside the echo baseline in the same run.
enum JobBenchmark {
    static let entity = "component:default/engagement-reports"

    static func run(seconds: Double, clients: [Int], durability: String, deliver: Bool) async throws -> String {
        let sandbox = try await Sandbox.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gh-bench-jobs-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try """
            identity: {issuer: "\(sandbox.oidcIssuerURL.absoluteString)", client_id: gatehouse, workload_identity_audience: "\(SandboxConfiguration().workloadProviderAudience)", sts_url: "\(sandbox.stsURL.absoluteString)/v1/token", iam_credentials_url: "\(sandbox.iamCredentialsURL.absoluteString)"}
            catalog: {base_url: "\(sandbox.backstageURL.absoluteString)", sync_interval_seconds: 0}
            dataproc: {base_url: "\(sandbox.dataprocURL.absoluteString)"}
            store: {durability: \(durability)}
            """.write(toFile: work + "/config.yaml", atomically: true, encoding: .utf8)
        if !deliver { try await sandbox.setFault(SandboxFault(kind: .down), on: .dataproc) }

        let echoSocket = work + "/echo.sock"
        let echo = try Child.start(Bench.RPC.selfPath, ["echo-server", "--socket", echoSocket])
        defer { echo.kill() }
        let daemon = try Child.start(
            Bench.RPC.sibling("gatehouse"), ["serve", "--log-level", "warning"],
            environment: ["XDG_RUNTIME_DIR": work + "/run", "XDG_STATE_HOME": work + "/state", "GATEHOUSE_CONFIG": work + "/config.yaml"])
        defer { daemon.kill() }
        let socket = work + "/run/gatehouse/gatehouse.sock"
        // Every blocking socket call runs on a thread of its own: the in-process sandbox needs the cooperative pool.
        try await BenchThreads.offPool { try Child.waitForSocket(echoSocket); try Child.waitForSocket(socket) }
        try await BenchSignIn.deviceFlow(socket: socket, sandbox: sandbox, subject: "alice")
        let first = try await BenchThreads.offPool { () throws -> JSONValue in
            let client = try RPCClient(socketPath: socket)
            _ = try client.call("catalog.sync")
            return try client.call("job.submit", params: ["entity": .string(entity), "job": ["pysparkJob": ["mainPythonFileUri": "gs://bench/main.py"]]])
        }
        guard first["state"] == "QUEUED" else { throw CleanExit.message("job.submit did not queue a job: \(first)") }

        let submit: @Sendable (Int, Int) -> [UInt8] = { client, call in
            Array(#"{"jsonrpc":"2.0","method":"job.submit","params":{"entity":"\#(entity)","job":{"pysparkJob":{"mainPythonFileUri":"gs://bench/main.py","args":["\#(client)","\#(call)"]}}},"id":\#(client * 1_000_000 + call)}"#.utf8)
        }
        let queued = Array(#""state":"QUEUED""#.utf8)
        let isQueued: @Sendable ([UInt8]) -> Bool = { reply in reply.firstRange(of: queued) != nil }
        var lines = [
            "gatehouse-bench jobs: \(seconds) s per run, durability=\(durability), Dataproc \(deliver ? "up (sender delivering)" : "down (acks only)"), \(ProcessInfo.processInfo.activeProcessorCount) cores",
            "clients  target                 round trips/s   p50 µs   p99 µs  errors",
        ]
        for count in clients {
            let (baseline, gatehouse) = try await BenchThreads.offPool {
                (try RPCLoad.run(socketPath: echoSocket, clients: count, seconds: seconds, request: submit),
                 try RPCLoad.run(socketPath: socket, clients: count, seconds: seconds, request: submit, isSuccess: isQueued))
            }
            lines.append(row("echo (baseline)", baseline))
            lines.append(row("gatehouse job.submit", gatehouse))
            lines.append(String(format: "%3d clients: job.submit/echo throughput = %.3f", count, gatehouse.throughput / baseline.throughput))
        }
        let status = try await BenchThreads.offPool { try RPCClient(socketPath: socket).call("system.status") }
        lines.append("audit records: \(status["counts"]?["auditRecords"]?.canonicalString ?? "?"); jobs by state: "
            + "\(status["counts"]?["dataprocJobs"]?.canonicalString ?? "?")")
        await sandbox.stop()
        return lines.joined(separator: "\n")
    }

    private static func row(_ name: String, _ result: LoadResult) -> String {
        String(
            format: "%7d  %@  %14.0f  %7.1f  %7.1f  %6d", result.clients, name.padding(toLength: 21, withPad: " ", startingAt: 0),
            result.throughput, result.p50Micros, result.p99Micros, result.errors)
    }
}

/// Signs a benchmark's daemon in against the sandbox provider.
enum BenchSignIn {
    /// Device flow: the daemon starts it, the sandbox approves it as `subject`, the daemon's poll finishes it.
    static func deviceFlow(socket: String, sandbox: Sandbox, subject: String) async throws {
        let challenge = try await BenchThreads.offPool { try RPCClient(socketPath: socket).call("auth.login.start", params: ["method": "device"]) }
        guard let code = challenge["userCode"]?.stringValue, let id = challenge["id"]?.stringValue else {
            throw CleanExit.message("auth.login.start gave no device code: \(challenge)")
        }
        try sandbox.oidc.approveDevice(userCode: code, subject: subject)
        for _ in 0..<300 {
            let status = try await BenchThreads.offPool { try RPCClient(socketPath: socket).call("auth.login.status", params: ["id": .string(id)]) }
            if status["state"] == "signed_in" { return }
            guard status["state"] == "pending" else { throw CleanExit.message("sign-in failed: \(status)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CleanExit.message("sign-in did not finish in 30 s")
    }
}

/// Blocking work off Swift's cooperative pool.
enum BenchThreads {
    /// Runs `body` on a thread of its own, so it never holds one of the (two) cooperative threads.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
