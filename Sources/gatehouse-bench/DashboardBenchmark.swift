import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseTesting

extension Bench {
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "dashboard.get cache hits through a signed-in daemon (policy, cached dashboard, audit) vs a bare Unix-socket echo.")

        @OptionGroup var measure: RoundOptions
        @Option(help: "Client counts to measure.") var clients: [Int] = [64]

        func run() async throws {
            let bench = try await BrokerBench.start(name: "dashboard")
            let entity = "component:default/analytics-pipeline"
            // The first call fetches from Looker and fills the cache (looker.fresh_ttl is a day): every measured call is a hit.
            let warm = try await bench.call("dashboard.get", ["entity": .string(entity)])
            guard warm["title"] != nil else { throw CleanExit.message("dashboard.get did not answer a dashboard: \(warm)") }
            print(
                "gatehouse-bench dashboard: \(measure.rounds) alternating rounds of \(measure.seconds) s, \(ProcessInfo.processInfo.activeProcessorCount) cores, signed in as alice, dashboard \(warm["id"]?.stringValue ?? "?") of \(entity) cached"
            )
            print(BrokerBench.header)
            let request = BrokerBench.request("dashboard.get", #"{"entity":"\#(entity)"}"#)
            for line in try await bench.compare("dashboard.get", clients: clients, measure, request: request) { print(line) }
            let fetches = bench.sandbox.requestLog.recent(upstream: .looker).filter { $0.path.contains("/dashboards/") }.count
            print("audit records written: \(try await bench.auditRecords()); dashboard fetches from Looker in the whole run: \(fetches)")
            await bench.stop()
        }
    }
}
