import ArgumentParser
import Foundation
import GatehouseCore
import Glibc

extension Bench {
    /// `gatehouse-bench cli`: a whole CLI process per call, end to end, against socat doing the same
    /// round trip on the same socket in the same run (the floor for a process that connects and asks).
    struct CLI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "End-to-end CLI latency (fork, exec, load, connect, call, exit): gatehouse call system.ping and a cached token google-executable vs socat."
        )

        @Option(help: "Runs per target (interleaved: socat, ping, token, socat, ...).") var runs: Int = 200
        @Option(
            help:
                "The gatehouse binary to measure (default: gatehouse-front beside this benchmark, what the package installs as /usr/bin/gatehouse; pass the full CLI to compare)."
        ) var cli: String?

        func run() async throws {
            let gatehouse = cli ?? Bench.RPC.sibling("gatehouse-front")
            guard let socat = ["/usr/bin/socat", "/bin/socat"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw CleanExit.message("socat is not installed (scripts/setup.sh installs it)")
            }
            let bench = try await BrokerBench.start(name: "cli")
            let work = bench.work.path
            let ping = work + "/ping.json"
            try #"{"jsonrpc":"2.0","method":"system.ping","id":1}"#.appending("\n").write(toFile: ping, atomically: true, encoding: .utf8)
            // No config file: the daemon's socket is the default one under XDG_RUNTIME_DIR, as for most users
            // with no `socket` key (a config file sends gatehouse-front to the full CLI, which reads it).
            let environment = ["PATH=/usr/bin:/bin", "HOME=\(work)", "XDG_RUNTIME_DIR=\(work)/run", "XDG_STATE_HOME=\(work)/state"]
            // The ID token is cached by the daemon after the first call: every measured run is the cached path.
            let targets: [(label: String, argv: [String], stdin: String?)] = [
                ("socat (baseline)", [socat, "-t", "5", "-", "UNIX-CONNECT:\(bench.socket)"], ping),
                ("gatehouse call system.ping", [gatehouse, "call", "system.ping"], nil),
                ("gatehouse token google-executable", [gatehouse, "token", "google-executable"], nil),
            ]
            for target in targets {  // warm-up, and a check that each one works
                let status = try Spawned.run(target.argv, environment: environment, stdin: target.stdin)
                guard status == 0 else { throw CleanExit.message("\(target.argv.joined(separator: " ")) exited \(status)") }
            }
            let runs = self.runs
            let timings = try await BenchThreads.offPool {
                var timings = Array(repeating: [Double](), count: targets.count)
                for _ in 0..<runs {
                    for (index, target) in targets.enumerated() {
                        let start = ContinuousClock.now
                        _ = try Spawned.run(target.argv, environment: environment, stdin: target.stdin)
                        timings[index].append((ContinuousClock.now - start) / .milliseconds(1))
                    }
                }
                return timings
            }
            print("gatehouse-bench cli: \(runs) runs per target, interleaved, \(ProcessInfo.processInfo.activeProcessorCount) cores; \(gatehouse)")
            print("target                               median ms   p99 ms   vs socat (median)")
            let baseline = Self.percentile(timings[0], 0.5)
            for (index, target) in targets.enumerated() {
                let median = Self.percentile(timings[index], 0.5)
                let label = target.label.padding(toLength: 35, withPad: " ", startingAt: 0)
                print(label + String(format: " %9.2f %8.2f   %.1fx", median, Self.percentile(timings[index], 0.99), median / baseline))
            }
            await bench.stop()
        }

        static func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }
    }
}

/// posix_spawn and wait, with stdout and stderr to /dev/null: the least a shell does to run a command.
enum Spawned {
    static func run(_ argv: [String], environment: [String], stdin: String?) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard result == 0 else { throw CleanExit.message("cannot run \(argv[0]): \(String(cString: strerror(result)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }
}
