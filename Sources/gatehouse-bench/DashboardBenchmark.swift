import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting

extension Bench {
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "dashboard.get cache hits through the daemon (policy, sealed SQLite read, audit) vs a bare Unix-socket echo.")

        @Option(help: "Seconds measured per run (after 0.5 s warm-up).") var seconds: Double = 3
        @Option(help: "Client counts to measure.") var clients: [Int] = [64]

        func run() async throws {
            let report = try await DashboardBenchmark.run(seconds: seconds, clients: clients)
            print(report)
        }
    }
}

/// Starts the sandbox in process, a daemon signed in as alice with the demo catalog synced and
/// dashboard 12 cached, then measures `dashboard.get` beside the echo baseline in the same run.
enum DashboardBenchmark {
    static let entity = "component:default/analytics-pipeline"

    static func run(seconds: Double, clients: [Int]) async throws -> String {
        let sandbox = try await Sandbox.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gh-bench-dash-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "looker-admin-secret\n".write(toFile: work + "/looker-secret", atomically: true, encoding: .utf8)
        try """
            identity: {issuer: "\(sandbox.oidcIssuerURL.absoluteString)", client_id: gatehouse}
            catalog: {base_url: "\(sandbox.backstageURL.absoluteString)", sync_interval_seconds: 0}
            looker: {base_url: "\(sandbox.lookerURL.absoluteString)", client_id: looker-admin-id, client_secret_file: "\(work)/looker-secret", fresh_ttl: 86400}
            """.write(toFile: work + "/config.yaml", atomically: true, encoding: .utf8)

        let echoSocket = work + "/echo.sock"
        let echo = try Child.start(Bench.RPC.selfPath, ["echo-server", "--socket", echoSocket])
        defer { echo.kill() }
        let daemon = try Child.start(
            Bench.RPC.sibling("gatehouse"), ["serve", "--log-level", "warning"],
            environment: ["XDG_RUNTIME_DIR": work + "/run", "XDG_STATE_HOME": work + "/state", "GATEHOUSE_CONFIG": work + "/config.yaml"])
        defer { daemon.kill() }
        let socket = work + "/run/gatehouse/gatehouse.sock"
        // Every blocking socket call runs on a thread of its own: the in-process sandbox needs the cooperative pool.
        try await offPool { try Child.waitForSocket(echoSocket); try Child.waitForSocket(socket) }
        try await signIn(socket: socket, sandbox: sandbox, subject: "alice")
        let warm = try await offPool { () throws -> JSONValue in
            let client = try RPCClient(socketPath: socket)
            _ = try client.call("catalog.sync")
            return try client.call("dashboard.get", params: ["entity": .string(entity)])
        }
        guard warm["title"] != nil else { throw CleanExit.message("dashboard.get did not answer a dashboard: \(warm)") }

        let get: @Sendable (Int, Int) -> [UInt8] = { client, call in
            Array(#"{"jsonrpc":"2.0","method":"dashboard.get","params":{"entity":"\#(entity)"},"id":\#(client * 1_000_000 + call)}"#.utf8)
        }
        let error = Array(#""error":"#.utf8)
        let isAnswer: @Sendable ([UInt8]) -> Bool = { reply in reply.firstRange(of: error) == nil }
        var lines = [
            "gatehouse-bench dashboard: \(seconds) s per run, \(ProcessInfo.processInfo.activeProcessorCount) cores, reply \(JSONWriter.bytes(warm).count) bytes of JSON result",
            "clients  target                 round trips/s   p50 µs   p99 µs  errors",
        ]
        for count in clients {
            let (baseline, gatehouse) = try await offPool {
                (try RPCLoad.run(socketPath: echoSocket, clients: count, seconds: seconds, request: get),
                 try RPCLoad.run(socketPath: socket, clients: count, seconds: seconds, request: get, isSuccess: isAnswer))
            }
            lines.append(row("echo (baseline)", baseline))
            lines.append(row("gatehouse dashboard.get", gatehouse))
            lines.append(String(format: "%3d clients: dashboard.get/echo throughput = %.2f", count, gatehouse.throughput / baseline.throughput))
        }
        let status = try await offPool { try RPCClient(socketPath: socket).call("system.status") }
        lines.append("audit records written: \(status["counts"]?["auditRecords"]?.canonicalString ?? "?"); Looker requests during the run: "
            + "\(sandbox.requestLog.recent(upstream: .looker).filter { $0.path.contains("/dashboards/") }.count) dashboard fetches in total")
        await sandbox.stop()
        return lines.joined(separator: "\n")
    }

    private static func row(_ name: String, _ result: LoadResult) -> String {
        String(
            format: "%7d  %@  %14.0f  %7.1f  %7.1f  %6d", result.clients, name.padding(toLength: 23, withPad: " ", startingAt: 0),
            result.throughput, result.p50Micros, result.p99Micros, result.errors)
    }

    /// Device flow against the sandbox provider, approved as `subject`.
    private static func signIn(socket: String, sandbox: Sandbox, subject: String) async throws {
        let challenge = try await offPool { try RPCClient(socketPath: socket).call("auth.login.start", params: ["method": "device"]) }
        guard let code = challenge["userCode"]?.stringValue, let id = challenge["id"]?.stringValue else {
            throw CleanExit.message("auth.login.start gave no device code: \(challenge)")
        }
        try sandbox.oidc.approveDevice(userCode: code, subject: subject)
        for _ in 0..<300 {
            let status = try await offPool { try RPCClient(socketPath: socket).call("auth.login.status", params: ["id": .string(id)]) }
            if status["state"] == "signed_in" { return }
            guard status["state"] == "pending" else { throw CleanExit.message("sign-in failed: \(status)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CleanExit.message("sign-in did not finish in 30 s")
    }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
