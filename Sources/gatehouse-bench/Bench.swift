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
        subcommands: [
            RPC.self, Audit.self, Methods.self, Catalog.self, Load.self, Dashboard.self, Jobs.self, Logs.self, EchoServerCommand.self, CLI.self,
            AuditVerify.self,
            Fleet.self,
            FleetQueries.self,
        ])
}

extension Bench {
    struct RPC: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "system.ping through the daemon (every request durably audited) vs a bare Unix-socket echo.")

        @OptionGroup var measure: RoundOptions
        @Option(help: "Client counts to measure.") var clients: [Int] = [1, 64]
        @Option(help: "store.durability for the daemon: normal or full.") var durability: String = "normal"

        func run() throws {
            let directory = try WorkDirectory("gh-bench")
            defer { directory.remove() }
            let work = directory.path

            let echoSocket = work + "/echo.sock"
            let echo = try EchoServer.start(socketPath: echoSocket)
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
            print(
                "gatehouse-bench rpc: \(measure.rounds) rounds of \(measure.seconds) s per target, alternating, durability=\(durability), \(ProcessInfo.processInfo.activeProcessorCount) cores"
            )
            print("Medians over the rounds. CPU: the server process's user+system time per round trip.")
            print("clients  target                 round trips/s   p50 µs   p99 µs  CPU µs/rt  errors")
            var rows: [(clients: Int, echo: Measured, gatehouse: Measured, ratio: Double)] = []
            for count in clients {
                let pair = try MeasuredPair.alternating(
                    measure, clients: count, echo: (echo, echoSocket), daemon: (daemon, socket), request: ping, isSuccess: pong)
                Self.printRow("echo (baseline)", pair.echo)
                Self.printRow("gatehouse system.ping", pair.gatehouse)
                rows.append((count, pair.echo, pair.gatehouse, pair.ratio))
            }
            print("")
            for row in rows {
                print(
                    String(
                        format:
                            "%3d clients: gatehouse/echo throughput = %.2f (median of the rounds' ratios; target ≥ 0.50 at 64 clients); CPU per round trip %.1fx the echo's",
                        row.clients, row.ratio, row.gatehouse.cpuMicrosPerRequest / row.echo.cpuMicrosPerRequest))
            }
            if let single = rows.first(where: { $0.clients == 1 }) {
                print(
                    String(
                        format:
                            "  1 client : gatehouse p99 = %.1f µs (target ≤ 100 µs); echo p99 = %.1f µs, so the daemon adds %.1f µs at p50, %.1f µs at p99",
                        single.gatehouse.load.p99Micros, single.echo.load.p99Micros,
                        single.gatehouse.load.p50Micros - single.echo.load.p50Micros, single.gatehouse.load.p99Micros - single.echo.load.p99Micros))
            }
            let audited = try RPCClient(socketPath: socket).call("system.status")["audit"]?["records"]
            print("audit records written during the run: \(audited?.canonicalString ?? "?")")
        }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
        }

        static func printRow(_ name: String, _ result: LoadResult) {
            print(
                String(
                    format: "%7d  %@  %14.0f  %7.1f  %7.1f  %6d", result.clients, name.padding(toLength: 21, withPad: " ", startingAt: 0),
                    result.throughput, result.p50Micros, result.p99Micros, result.errors))
        }

        static func printRow(_ name: String, _ measured: Measured) {
            print(measured.row(name, width: 21))
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
        @Option var threads: Int = EchoServer.daemonEventLoops
        func run() throws { try EchoServer.serve(socketPath: socket, threads: threads) }
    }
}

/// How long and how often each side is measured (shared by the benchmarks that compare with the echo).
struct RoundOptions: ParsableArguments {
    @Option(help: "Seconds measured per run (after 0.5 s warm-up).") var seconds: Double = 3
    @Option(help: "Rounds per target, alternating echo and gatehouse; medians are reported.") var rounds: Int = 3
}

/// The echo and the daemon measured under the same load.
struct MeasuredPair {
    var echo: Measured
    var gatehouse: Measured
    /// The median of the rounds' gatehouse/echo throughput ratios.
    var ratio: Double

    /// Alternating short rounds of each: a noisy neighbour then slows both sides, not one. Medians of the rounds.
    static func alternating(
        _ options: RoundOptions, clients: Int, echo: (server: Child, socket: String), daemon: (server: Child, socket: String),
        request: @escaping @Sendable (Int, Int) -> [UInt8], isSuccess: @escaping @Sendable ([UInt8]) -> Bool
    ) throws -> MeasuredPair {
        var echoRounds: [Measured] = []
        var gatehouseRounds: [Measured] = []
        for _ in 0..<max(1, options.rounds) {
            echoRounds.append(
                try Measured.run(server: echo.server, socket: echo.socket, clients: clients, seconds: options.seconds, request: request))
            gatehouseRounds.append(
                try Measured.run(
                    server: daemon.server, socket: daemon.socket, clients: clients, seconds: options.seconds, request: request, isSuccess: isSuccess))
        }
        let ratios = zip(echoRounds, gatehouseRounds).map { $1.load.throughput / $0.load.throughput }
        return MeasuredPair(echo: Measured.median(echoRounds), gatehouse: Measured.median(gatehouseRounds), ratio: Bench.RPC.median(ratios))
    }
}

/// One load run against a server process, with the CPU time that process spent serving it.
struct Measured {
    var load: LoadResult
    var cpuMicrosPerRequest: Double

    static func run(
        server: Child, socket: String, clients: Int, seconds: Double,
        request: @escaping @Sendable (Int, Int) -> [UInt8], isSuccess: @escaping @Sendable ([UInt8]) -> Bool = { _ in true }
    ) throws -> Measured {
        // The warm-up's CPU is counted too, so requests are counted over the same span.
        let warmup = 0.5
        let before = server.cpuSeconds
        let load = try RPCLoad.run(socketPath: socket, clients: clients, seconds: seconds, warmup: warmup, request: request, isSuccess: isSuccess)
        let cpu = server.cpuSeconds - before
        let requests = load.throughput * (load.seconds + warmup)
        return Measured(load: load, cpuMicrosPerRequest: requests > 0 ? cpu / requests * 1e6 : .nan)
    }

    /// One table row; CPU is the server process's user+system time per round trip.
    func row(_ name: String, width: Int) -> String {
        String(
            format: "%7d  %@  %14.0f  %7.1f  %7.1f  %9.1f  %6d", load.clients, name.padding(toLength: width, withPad: " ", startingAt: 0),
            load.throughput, load.p50Micros, load.p99Micros, cpuMicrosPerRequest, load.errors)
    }

    /// The median of each figure on its own.
    static func median(_ runs: [Measured]) -> Measured {
        func mid(_ values: [Double]) -> Double { Bench.RPC.median(values) }
        var load = runs[0].load
        load.requests = Int(mid(runs.map { Double($0.load.requests) }))
        load.seconds = mid(runs.map(\.load.seconds))
        load.p50Micros = mid(runs.map(\.load.p50Micros))
        load.p99Micros = mid(runs.map(\.load.p99Micros))
        load.errors = runs.map(\.load.errors).reduce(0, +)
        var result = Measured(load: load, cpuMicrosPerRequest: mid(runs.map(\.cpuMicrosPerRequest)))
        // Throughput as the median round's, not requests/seconds of different rounds.
        let throughput = mid(runs.map(\.load.throughput))
        result.load.requests = Int(throughput * result.load.seconds)
        return result
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

    /// User plus system CPU time the process has used so far (`/proc/PID/stat`, fields 14 and 15).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return .nan }
        // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func kill() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
