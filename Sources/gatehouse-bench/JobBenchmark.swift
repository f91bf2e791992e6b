import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseTesting

extension Bench {
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jobs",
            abstract: "job.submit acknowledgements (policy, outbox row + audit record in one commit) vs a bare Unix-socket echo.")

        @OptionGroup var measure: RoundOptions
        @Option(help: "Client counts to measure.") var clients: [Int] = [16]
        @Option(help: "store.durability for the daemon: normal or full.") var durability: String = "normal"
        @Flag(help: "Leave the sandbox Dataproc up, so the sender delivers while acknowledgements are measured (default: down, acks only).")
        var deliver = false

        func run() async throws {
            let bench = try await BrokerBench.start(name: "jobs", durability: durability)
            let entity = "component:default/engagement-reports"
            if !deliver { try await bench.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc) }
            let job = #"{"pysparkJob":{"mainPythonFileUri":"gs://bench/main.py","args":["--day","2026-11-23"]}}"#
            let first = try await bench.call(
                "job.submit", ["entity": .string(entity), "job": ["pysparkJob": ["mainPythonFileUri": "gs://bench/main.py"]]])
            guard first["state"] == "QUEUED" else { throw CleanExit.message("job.submit did not queue a job: \(first)") }
            print(
                "gatehouse-bench jobs: \(measure.rounds) alternating rounds of \(measure.seconds) s, durability=\(durability), Dataproc \(deliver ? "up (sender delivering)" : "down (acks only)"), \(ProcessInfo.processInfo.activeProcessorCount) cores"
            )
            print(BrokerBench.header)
            let queued = Array(#""state":"QUEUED""#.utf8)
            let request = BrokerBench.request("job.submit", #"{"entity":"\#(entity)","job":\#(job)}"#)
            for line in try await bench.compare(
                "job.submit", clients: clients, measure, request: request, isSuccess: { $0.firstRange(of: queued) != nil })
            {
                print(line)
            }
            let jobs = try await bench.call("system.status")["components"]?["jobs"]?["states"]?.canonicalString ?? "?"
            print("audit records written: \(try await bench.auditRecords()); jobs by state: \(jobs)")
            await bench.stop()
        }
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
