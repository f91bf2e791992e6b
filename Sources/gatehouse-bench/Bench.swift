import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC

/// `gatehouse-bench`: throughput and latency, always reported beside a baseline measured in the same run.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-bench",
        abstract: "Benchmarks for Gatehouse (build with -c release).",
        subcommands: [RPC.self, Methods.self, Catalog.self, Load.self, Dashboard.self, Jobs.self, EchoServerCommand.self])
}

extension Bench {
    struct RPC: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "system.ping through the daemon (every request durably audited) vs a bare Unix-socket echo.")

        @Option(help: "Seconds measured per run (after 0.5 s warm-up).") var seconds: Double = 3
        @Option(help: "Client counts to measure.") var clients: [Int] = [1, 64]
        @Option(help: "store.durability for the daemon: normal or full.") var durability: String = "normal"

        func run() throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("gh-bench-\(getpid())").path
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }

            let echoSocket = work + "/echo.sock"
            let echo = try Child.start(Self.selfPath, ["echo-server", "--socket", echoSocket])
            defer { echo.kill() }
            try Child.waitForSocket(echoSocket)

            let daemon = try Child.start(
                Self.sibling("gatehouse"), ["serve", "--log-level", "warning"],
                environment: ["XDG_RUNTIME_DIR": work + "/run", "XDG_STATE_HOME": work + "/state", "GATEHOUSE_STORE_DURABILITY": durability])
            defer { daemon.kill() }
            let socket = work + "/run/gatehouse/gatehouse.sock"
            try Child.waitForSocket(socket)

            let ping: @Sendable (Int, Int) -> [UInt8] = { client, call in
                Array(#"{"jsonrpc":"2.0","method":"system.ping","id":\#(client * 1_000_000 + call)}"#.utf8)
            }
            let pong: @Sendable ([UInt8]) -> Bool = { reply in reply.count > 20 && reply[17...].starts(with: Array(#""result":"pong""#.utf8)) }
            print("gatehouse-bench rpc: \(seconds) s per run, durability=\(durability), \(ProcessInfo.processInfo.activeProcessorCount) cores")
            print("clients  target                 round trips/s   p50 µs   p99 µs  errors")
            var rows: [(Int, LoadResult, LoadResult)] = []
            for count in clients {
                let baseline = try RPCLoad.run(socketPath: echoSocket, clients: count, seconds: seconds, request: ping)
                let gatehouse = try RPCLoad.run(socketPath: socket, clients: count, seconds: seconds, request: ping, isSuccess: pong)
                Self.printRow("echo (baseline)", baseline)
                Self.printRow("gatehouse system.ping", gatehouse)
                rows.append((count, baseline, gatehouse))
            }
            print("")
            for (count, baseline, gatehouse) in rows {
                let ratio = gatehouse.throughput / baseline.throughput
                print(String(format: "%3d clients: gatehouse/echo throughput = %.2f   (target ≥ 0.50 at 64 clients)", count, ratio))
            }
            if let single = rows.first(where: { $0.0 == 1 }) {
                print(String(format: "  1 client : gatehouse p99 = %.1f µs (target ≤ 100 µs); echo p99 = %.1f µs", single.2.p99Micros, single.1.p99Micros))
            }
            let audited = try RPCClient(socketPath: socket).call("system.status")["counts"]?["auditRecords"]
            print("audit records written during the run: \(audited?.canonicalString ?? "?")")
        }

        static func printRow(_ name: String, _ result: LoadResult) {
            print(String(
                format: "%7d  %@  %14.0f  %7.1f  %7.1f  %6d", result.clients, name.padding(toLength: 21, withPad: " ", startingAt: 0),
                result.throughput, result.p50Micros, result.p99Micros, result.errors))
        }

        static var selfPath: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }
        static func sibling(_ name: String) -> String {
            URL(fileURLWithPath: selfPath).deletingLastPathComponent().appendingPathComponent(name).path
        }
    }

    struct Catalog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Catalog sync of a synthetic catalog and catalog.mine latency.")
        @Option(help: "Synthetic entities.") var entities: Int = 100_000
        @Option(help: "Group hierarchy depth.") var depth: Int = 8

        func run() async throws {
            print(try await CatalogBenchmark.run(entities: entities, groupDepth: depth))
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Closed-loop system.ping load against a running daemon's socket (for profiling with perf/strace).")
        @Option var socket: String
        @Option var clients: Int = 64
        @Option var seconds: Double = 5
        @Option(help: "The method to call (no params).") var method: String = "system.ping"

        func run() throws {
            let method = self.method
            let result = try RPCLoad.run(socketPath: socket, clients: clients, seconds: seconds) { client, call in
                Array(#"{"jsonrpc":"2.0","method":"\#(method)","id":\#(client * 1_000_000 + call)}"#.utf8)
            }
            RPC.printRow(method, result)
        }
    }

    struct EchoServerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "echo-server", abstract: "The baseline echo server (used by `rpc`).")
        @Option var socket: String
        @Option var threads: Int = 2
        func run() throws { try EchoServer.serve(socketPath: socket, threads: threads) }
    }
}

/// A child process the benchmark starts and kills.
struct Child {
    let process: Process

    static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Child {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        try process.run()
        return Child(process: process)
    }

    static func waitForSocket(_ path: String, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if SocketLocation.occupancy(of: path) == .live { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CleanExit.message("no server appeared at \(path)")
    }

    func kill() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
