import ArgumentParser
import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseHTTP
import GatehouseStore

/// Catalog sync and ownership-query benchmark: a synthetic catalog served by a `gatehouse-sandbox`
/// process, synced into a fresh database by this process (the daemon's own sync code), then
/// `catalog.mine` timed for a user 8 levels deep.
enum CatalogBenchmark {
    /// The measurements.
    struct Report: Sendable, CustomStringConvertible {
        var entities: Int
        var syncSeconds: Double
        var entitiesPerSecond: Double
        /// Peak RSS of this process, which syncs (the sandbox runs in a process of its own).
        var peakRSSBytes: Int
        /// RSS before the sync started.
        var rssBeforeSyncBytes: Int
        var mineUser: String
        var mineGroupDepth: Int
        var mineOwned: Int
        var mineMedianMilliseconds: Double
        var mineP99Milliseconds: Double

        var description: String {
            """
            catalog sync: \(entities) entities in \(String(format: "%.2f", syncSeconds)) s (\(Int(entitiesPerSecond)) entities/s)
            peak RSS of the syncing process: \(peakRSSBytes >> 20) MiB (before the sync: \(rssBeforeSyncBytes >> 20) MiB; the sandbox runs in its own process)
            catalog.mine for \(mineUser) (group \(mineGroupDepth + 1) levels deep, owns \(mineOwned)): median \(String(format: "%.3f", mineMedianMilliseconds)) ms, p99 \(String(format: "%.3f", mineP99Milliseconds)) ms
            """
        }
    }

    /// Runs the benchmark; `entities` synthetic entities, 20% groups in a hierarchy `groupDepth` deep.
    static func run(entities: Int = 100_000, groupDepth: Int = 8, pageSize: Int = 500, mineIterations: Int = 200) async throws -> Report {
        let work = try WorkDirectory("gh-bench-catalog")
        defer { work.remove() }
        let portsFile = work.path + "/ports.json"
        let sandbox = try Child.start(
            Bench.RPC.sibling("gatehouse-sandbox"),
            ["--synthetic", String(entities), "--group-depth", String(groupDepth), "--no-examples", "--ports-file", portsFile])
        defer { sandbox.kill() }
        let backstageURL = try waitForURL("backstage", in: portsFile)
        let store = try Store(path: work.path + "/gatehouse.db")
        defer { store.close() }
        let rssBefore = residentBytes("VmRSS")
        let client = BackstageClient(http: HTTPClient(), baseURL: backstageURL)
        let report = try await CatalogSync(client: client, store: store, pageSize: pageSize).run()
        let peak = residentBytes("VmHWM")

        let reader = CatalogReader(store: store)
        let (user, depth) = try await deepestUser(reader, groupDepth: groupDepth)
        let principal = Principal(subject: user, issuer: "bench")
        var samples: [Double] = []
        var owned = 0
        for _ in 0..<mineIterations {
            let start = ContinuousClock.now
            owned = try await reader.owned(by: principal).0.count
            samples.append(milliseconds(ContinuousClock.now - start))
        }
        samples.sort()
        return Report(
            entities: report.entities, syncSeconds: report.elapsedSeconds, entitiesPerSecond: report.entitiesPerSecond,
            peakRSSBytes: peak, rssBeforeSyncBytes: rssBefore, mineUser: user, mineGroupDepth: depth, mineOwned: owned,
            mineMedianMilliseconds: samples[samples.count / 2], mineP99Milliseconds: samples[min(samples.count - 1, samples.count * 99 / 100)])
    }

    /// The URL the sandbox wrote for `name` once it listens (it builds the synthetic catalog first).
    private static func waitForURL(_ name: String, in portsFile: String, timeout: TimeInterval = 120) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: portsFile), !data.isEmpty,
                let url = (try? JSONParser.parse(data))?[name]?.stringValue
            {
                return url
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw CleanExit.message("the sandbox did not start within \(Int(timeout)) s")
    }

    /// The first synthetic user whose group sits at the bottom of the hierarchy.
    private static func deepestUser(_ reader: CatalogReader, groupDepth: Int) async throws -> (String, Int) {
        var best = ("user-000000", -1)
        for index in 0..<5000 {
            let name = "user-" + String(repeating: "0", count: max(0, 6 - String(index).count)) + String(index)
            let depth = try await reader.membership(of: Principal(subject: name, issuer: "bench")).0.groups.values.max() ?? -1
            if depth > best.1 { best = (name, depth) }
            if depth >= groupDepth - 1 { break }
        }
        return best
    }

    private static func residentBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        duration / .milliseconds(1)
    }
}
