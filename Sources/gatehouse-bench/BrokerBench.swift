import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting

/// What the broker benchmarks share: an in-process sandbox, a daemon configured for every
/// upstream of it and signed in (device flow), the demo catalog synced, and the echo baseline
/// server beside it, so each method is measured against the echo in the same run.
final class BrokerBench: Sendable {
    let sandbox: Sandbox
    let work: WorkDirectory
    let socket: String
    let echoSocket: String
    private let daemon: Child
    private let echo: Child

    /// Starts everything; `durability` is the daemon's `store.durability`.
    static func start(name: String, durability: String = "normal", subject: String = "alice") async throws -> BrokerBench {
        let sandbox = try await Sandbox.start()
        let directory = try WorkDirectory("gh-bench-\(name)")
        let work = directory.path
        try "looker-admin-secret\n".write(toFile: work + "/looker-secret", atomically: true, encoding: .utf8)
        try """
        identity: {issuer: "\(sandbox.oidcIssuerURL.absoluteString)", client_id: gatehouse, workload_identity_audience: "\(SandboxConfiguration().workloadProviderAudience)", sts_url: "\(sandbox.stsURL.absoluteString)/v1/token", iam_credentials_url: "\(sandbox.iamCredentialsURL.absoluteString)"}
        catalog: {base_url: "\(sandbox.backstageURL.absoluteString)", sync_interval_seconds: 0}
        looker: {base_url: "\(sandbox.lookerURL.absoluteString)", client_id: looker-admin-id, client_secret_file: "\(work)/looker-secret", fresh_ttl: 86400}
        dataproc: {base_url: "\(sandbox.dataprocURL.absoluteString)", storage_base_url: "\(sandbox.url(of: .storage).absoluteString)"}
        store: {durability: \(durability)}
        """.write(toFile: work + "/config.yaml", atomically: true, encoding: .utf8)
        let echoSocket = work + "/echo.sock"
        let echo = try EchoServer.start(socketPath: echoSocket)
        let daemon = try Child.start(
            Bench.RPC.sibling("gatehouse"), ["serve", "--log-level", "warning"],
            environment: ["XDG_RUNTIME_DIR": work + "/run", "XDG_STATE_HOME": work + "/state", "GATEHOUSE_CONFIG": work + "/config.yaml"])
        let bench = BrokerBench(
            sandbox: sandbox, work: directory, socket: work + "/run/gatehouse/gatehouse.sock", echoSocket: echoSocket, daemon: daemon, echo: echo)
        try await BenchThreads.offPool {
            try Child.waitForSocket(echoSocket)
            try Child.waitForSocket(bench.socket)
        }
        try await bench.signIn(subject: subject)
        _ = try await bench.call("catalog.sync")
        return bench
    }

    private init(sandbox: Sandbox, work: WorkDirectory, socket: String, echoSocket: String, daemon: Child, echo: Child) {
        self.sandbox = sandbox
        self.work = work
        self.socket = socket
        self.echoSocket = echoSocket
        self.daemon = daemon
        self.echo = echo
    }

    /// The daemon's user plus system CPU seconds so far.
    var daemonCPUSeconds: Double { daemon.cpuSeconds }

    /// One call on a fresh connection (off the cooperative pool: the sandbox runs on it).
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        let socket = self.socket
        return try await BenchThreads.offPool { try RPCClient(socketPath: socket).call(method, params: params) }
    }

    /// Measures `request` against the echo server and then the daemon at each client count; returns the table rows.
    func compare(
        _ label: String, clients: [Int], _ options: RoundOptions, request: @escaping @Sendable (Int, Int) -> [UInt8],
        isSuccess: @escaping @Sendable ([UInt8]) -> Bool = BrokerBench.noError
    ) async throws -> [String] {
        var lines: [String] = []
        for count in clients {
            let (echo, daemon) = ((self.echo, self.echoSocket), (self.daemon, self.socket))
            let pair = try await BenchThreads.offPool {
                try MeasuredPair.alternating(options, clients: count, echo: echo, daemon: daemon, request: request, isSuccess: isSuccess)
            }
            lines.append(pair.echo.row("echo (baseline)", width: 28))
            lines.append(pair.gatehouse.row("gatehouse " + label, width: 28))
            lines.append(String(format: "%7d  %@/echo throughput = %.2f (median of %d rounds)", count, label, pair.ratio, options.rounds))
        }
        return lines
    }

    /// The table header every broker benchmark prints.
    static let header = "clients  target                        round trips/s   p50 µs   p99 µs  CPU µs/rt  errors"

    /// A reply that is not a JSON-RPC error.
    static let noError: @Sendable ([UInt8]) -> Bool = { reply in reply.firstRange(of: Array(#""error":"#.utf8)) == nil }

    /// A request line for `method` with `params` (JSON text), numbered per client and call.
    static func request(_ method: String, _ params: String) -> @Sendable (Int, Int) -> [UInt8] {
        { client, call in Array(#"{"jsonrpc":"2.0","method":"\#(method)","params":\#(params),"id":\#(client * 1_000_000 + call)}"#.utf8) }
    }

    /// The daemon's audit record count (every request of the run is in it).
    func auditRecords() async throws -> String {
        try await call("system.status")["audit"]?["records"]?.canonicalString ?? "?"
    }

    /// Stops the daemon, the echo server and the sandbox, and removes the files.
    func stop() async {
        daemon.kill()
        echo.kill()
        await sandbox.stop()
        work.remove()
    }

    /// Device flow: the daemon starts it, the sandbox approves it as `subject`, the daemon's poll finishes it.
    private func signIn(subject: String) async throws {
        let challenge = try await call("auth.login.start", ["method": "device"])
        guard let code = challenge["userCode"]?.stringValue, let id = challenge["id"]?.stringValue else {
            throw CleanExit.message("auth.login.start gave no device code: \(challenge)")
        }
        try sandbox.oidc.approveDevice(userCode: code, subject: subject)
        for _ in 0..<300 {
            let status = try await call("auth.login.status", ["id": .string(id)])
            if status["state"] == "signed_in" { return }
            guard status["state"] == "pending" else { throw CleanExit.message("sign-in failed: \(status)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CleanExit.message("sign-in did not finish in 30 s")
    }
}

extension Bench {
    struct Methods: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cached token.get, policy.check and catalog.get through a signed-in daemon vs a bare Unix-socket echo.")

        @OptionGroup var measure: RoundOptions
        @Option(help: "Client counts to measure.") var clients: [Int] = [64]
        @Option(help: "Only these methods (default: all three).") var only: [String] = []

        func run() async throws {
            let bench = try await BrokerBench.start(name: "methods")
            let entity = "component:default/artist-lookup"
            // Warm each cache once, and fail loudly rather than measure errors.
            let warm: [(String, String, JSONValue)] = [
                ("token.get", #"{"audience":"oidc"}"#, ["audience": "oidc"]),
                ("policy.check", #"{"action":"job.submit","entity":"\#(entity)"}"#, ["action": "job.submit", "entity": .string(entity)]),
                ("catalog.get", #"{"ref":"\#(entity)"}"#, ["ref": .string(entity)]),
            ]
            print(
                "gatehouse-bench methods: \(measure.rounds) alternating rounds of \(measure.seconds) s, \(ProcessInfo.processInfo.activeProcessorCount) cores, signed in as alice, demo catalog synced"
            )
            print(BrokerBench.header)
            for (method, text, params) in warm where only.isEmpty || only.contains(method) {
                _ = try await bench.call(method, params)
                for line in try await bench.compare(method, clients: clients, measure, request: BrokerBench.request(method, text)) {
                    print(line)
                }
            }
            print("audit records written: \(try await bench.auditRecords())")
            await bench.stop()
        }
    }
}
