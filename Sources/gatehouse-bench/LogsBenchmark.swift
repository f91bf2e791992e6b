import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting
import Synchronization

extension Bench {
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logs",
            abstract: "job.logs with follow: how long after the driver writes a chunk it reaches the caller, and the daemon's CPU meanwhile.")

        @Option(help: "Jobs followed, one after another (5 chunks each).") var jobs = 6

        func run() async throws {
            let bench = try await BrokerBench.start(name: "logs")
            // The sandbox's driver writes a chunk when its run starts, at each quarter and at its end; its
            // run is the second `dataprocStepSeconds` after Dataproc got the job (DriverOutput).
            let step = SandboxConfiguration().dataprocStepSeconds
            let pollSeconds = 0.5  // dataproc.logs_poll_ms default: the design's own floor on latency
            var latencies: [Double] = []
            var streamed = 0.0
            let cpuBefore = bench.daemonCPUSeconds
            for index in 0..<jobs {
                let submitted = try await bench.call(
                    "job.submit",
                    [
                        "entity": "component:default/engagement-reports",
                        "job": ["pysparkJob": ["mainPythonFileUri": "gs://bench/main.py", "args": [.string("--part"), .string("\(index)")]]],
                    ])
                guard let id = submitted["jobId"]?.stringValue else { throw CleanExit.message("job.submit answered \(submitted)") }
                // The follow's reads are 500 ms apart from when it starts: start it at a random point of that
                // interval (the driver's first chunk comes 2 s later), so the phases of reads and writes vary.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0..<Int(pollSeconds * 1000))))
                let socket = bench.socket
                let arrivals = Mutex<[Int: Date]>([:])
                let started = Date()
                _ = try await BenchThreads.offPool {
                    let client = try RPCClient(socketPath: socket, timeout: .seconds(120))
                    client.onNotification = { message in
                        guard message["method"] == "job.logs", let chunk = message["params"]?["chunk"]?.intValue else { return }
                        let now = Date()
                        arrivals.withLock { $0[Int(chunk)] = now }
                    }
                    return try client.call("job.logs", params: ["jobId": .string(id), "follow": true])
                }
                streamed += Date().timeIntervalSince(started)
                guard let upstream = bench.sandbox.dataproc.jobs.all.first(where: { $0.jobId == id }) else {
                    throw CleanExit.message("the sandbox never got job \(id)")
                }
                let runStart = upstream.submittedAt.addingTimeInterval(step)
                for (chunk, arrived) in arrivals.withLock({ $0 }) {
                    let written = chunk == 4 ? runStart.addingTimeInterval(step) : runStart.addingTimeInterval(Double(chunk) * step / 4)
                    latencies.append(arrived.timeIntervalSince(written))
                }
            }
            let cpu = bench.daemonCPUSeconds - cpuBefore
            latencies.sort()
            func at(_ fraction: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))] }
            print("gatehouse-bench logs: \(jobs) jobs followed with job.logs follow (dataproc.logs_poll_ms 500), \(latencies.count) chunks")
            print(
                String(
                    format:
                        "first-byte latency after the driver wrote a chunk: p50 %.0f ms, p99 %.0f ms, max %.0f ms (target ≤ 1000 ms; the poll interval alone allows up to %.0f ms)",
                    at(0.5) * 1000, at(0.99) * 1000, latencies.last! * 1000, pollSeconds * 1000))
            print(String(format: "daemon CPU while streaming: %.3f s over %.1f s followed (%.1f%% of one core)", cpu, streamed, cpu / streamed * 100))
            await bench.stop()
        }
    }
}
