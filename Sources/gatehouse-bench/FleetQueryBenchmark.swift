import ArgumentParser
import Foundation
import GatehouseAudit
import GatehouseCollector
import GatehouseFleet
import GatehouseStore
import GatehouseTesting
import Logging
import NIOCore
import PostgresNIO

extension Bench {
    /// The auditor query at scale: millions of records loaded by COPY, each documented filter timed
    /// through the collector's own query (`CollectorStore.query`, what `GET /v1/records` runs).
    struct FleetQueries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet-query",
            abstract: "Each `fleet audit query` filter (first page and the next by cursor) on millions of records in the collector's schema.")

        @Option(parsing: .upToNextOption, help: "Record counts to measure at, loaded one after another (each load adds to the last).")
        var records: [Int] = [
            1_000_000, 3_000_000, 10_000_000,
        ]
        @Option(help: "Hosts the records are spread over.") var hosts = 1000
        @Option(help: "Timed runs of each query; median and max are reported.") var runs = 5
        @Option(help: "Records per page (fleet audit query's default is 100).") var limit = 100

        func run() async throws {
            let logger = Fleet.quietLogger
            // Loading settings only (fewer checkpoints during the COPY); queries run on the server's defaults otherwise.
            let postgres = try await PrivatePostgres.start(durable: false, settings: ["max_wal_size": "4GB"])
            do {
                try await measure(postgres, logger: logger)
            } catch {
                await postgres.stop()
                throw error
            }
            await postgres.stop()
        }

        private func measure(_ postgres: PrivatePostgres, logger: Logger) async throws {
            let version = try await postgres.psql("SHOW server_version").trimmingCharacters(in: .whitespacesAndNewlines)
            let client = FleetRows.client(
                PrivatePostgresSocket(path: postgres.socketPath, user: postgres.user), database: postgres.database, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let store = CollectorStore(client: client, logger: logger)
                try await store.migrate()
                print(
                    "gatehouse-bench fleet-query: PostgreSQL \(version) (default settings, fsync off while loading), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(hosts) hosts, pages of \(limit), \(runs) runs per query"
                )
                var loaded = 0
                for target in records.sorted() where target > loaded {
                    let start = ContinuousClock.now
                    try await Self.load(from: loaded, to: target, hosts: hosts, client: client, logger: logger)
                    let loadSeconds = seconds(.now - start)
                    let analyze = ContinuousClock.now
                    try await postgres.psql("VACUUM ANALYZE records")
                    let size = try await postgres.psql(
                        "SELECT pg_size_pretty(pg_total_relation_size('records'::regclass) + (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = 'records'::regclass))"
                    )
                    print("")
                    print(
                        String(
                            format:
                                "%d records: loaded %d by COPY in %.1f s (%.0f records/s, indexes included), VACUUM ANALYZE %.1f s, table + indexes %@",
                            target, target - loaded, loadSeconds, Double(target - loaded) / loadSeconds, seconds(.now - analyze),
                            size.trimmingCharacters(in: .whitespacesAndNewlines)))
                    loaded = target
                    try await report(store: store, loaded: loaded)
                }
            }
        }

        /// Times every query on `loaded` records and prints a row each.
        private func report(store: CollectorStore, loaded: Int) async throws {
            print("filter                                   matches≈     page 1 ms (median/max)   page 2 ms (median/max)   rows")
            var worst = 0.0
            for probe in QueryProbe.all(loaded: loaded, hosts: hosts) {
                var query = probe.query
                query.limit = limit
                var first: [Double] = []
                var second: [Double] = []
                var rows = 0
                for _ in 0..<max(1, runs) {
                    let start = ContinuousClock.now
                    let page = try await store.query(query)
                    first.append(seconds(.now - start) * 1000)
                    rows = page.records.count
                    guard let cursor = page.nextCursor else { continue }
                    var next = query
                    next.cursor = cursor
                    let again = ContinuousClock.now
                    rows += try await store.query(next).records.count
                    second.append(seconds(.now - again) * 1000)
                }
                worst = max(worst, first.max() ?? 0, second.max() ?? 0)
                print(
                    String(
                        format: "%@  %9@  %10.1f / %-10.1f  %10.1f / %-10.1f  %4d", probe.name.padding(toLength: 38, withPad: " ", startingAt: 0),
                        probe.expected, RPC.median(first), first.max() ?? .nan, RPC.median(second), second.max() ?? .nan, rows))
            }
            print(String(format: "slowest page at %d records: %.1f ms (target ≤ 100 ms: %@)", loaded, worst, worst <= 100 ? "met" : "NOT met"))
        }

        /// Adds records `from..<to` (record i: host i % hosts, seq i / hosts + 1, two seconds of fleet time apart).
        static func load(from: Int, to: Int, hosts: Int, client: PostgresClient, logger: Logger) async throws {
            let streams = 2
            let chunk = 50_000
            let names = (0..<hosts).map { SyntheticFleet.host($0, hosts: hosts) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for stream in 0..<streams {
                    group.addTask {
                        try await client.withConnection { connection in
                            try await connection.copyFrom(table: "records", columns: FleetRows.columns, logger: logger) { writer in
                                var index = from + stream * chunk
                                while index < to {
                                    var buffer = ByteBuffer()
                                    buffer.reserveCapacity(chunk * 420)
                                    for i in index..<min(index + chunk, to) {
                                        FleetRows.append(hostID: names[i % hosts], SyntheticFleet.record(i, hosts: hosts), to: &buffer)
                                    }
                                    try await writer.write(buffer)
                                    index += streams * chunk
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

/// Synthetic fleet records with realistic spread: 500 people with two hosts each, 12 methods (some
/// rare), 5,000 entities, 3% denials, 2% errors. Hashes are placeholders: queries never read them.
enum SyntheticFleet {
    static let methods: [(name: String, weight: Int)] = [
        ("catalog.get", 30), ("catalog.mine", 15), ("system.ping", 12), ("auth.status", 10), ("job.status", 10), ("catalog.search", 8),
        ("dashboard.list", 5), ("job.submit", 4), ("job.logs", 3), ("dashboard.open", 1), ("audit.query", 1), ("job.cancel", 1),
    ]
    static let methodTable: [String] = methods.flatMap { Array(repeating: $0.name, count: $0.weight) }
    /// 2026-09-01T00:00:00Z.
    static let epoch = Date(timeIntervalSince1970: 1_788_220_800)
    static let spacing = 2.0

    static func host(_ i: Int, hosts: Int) -> String { String(format: "host-%05d", i % hosts) }
    static func person(ofHost host: Int) -> String { "person\(host % 500)@example.com" }
    static func time(_ i: Int) -> String { Timestamp.string(epoch.addingTimeInterval(Double(i) * spacing)) }

    static func record(_ i: Int, hosts: Int) -> AuditRecord {
        var mix = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
        mix ^= mix >> 31
        let roll = Int(mix % 10_000)
        let method = methodTable[Int((mix >> 20) % UInt64(methodTable.count))]
        let entity = method.hasPrefix("catalog") || method.hasPrefix("job") ? "component:default/service-\((mix >> 40) % 5000)" : nil
        let decision = roll < 300 ? "deny" : roll < 400 ? "pending" : method == "system.ping" ? "none" : "allow"
        let failed = roll >= 9_800
        let hash = Data(repeating: UInt8(i & 0xFF), count: 32)
        return AuditRecord(
            seq: Int64(i / hosts + 1), at: time(i), requestID: "req-\(i)", peerUID: 1000, peerGID: 1000, peerPID: Int64(4000 + i % 997),
            peerExe: "/usr/bin/python3", callerClass: "script", principal: person(ofHost: i % hosts), method: method, entity: entity,
            params: entity.map { "{\"ref\":\"\($0)\"}" } ?? "{}", decision: decision, rule: "default", outcome: failed ? "error" : "ok",
            errorReason: failed ? "upstream_unavailable" : nil, detail: nil, durationUS: Int64(100 + i % 900), prevHash: hash, hash: hash)
    }
}

/// One timed auditor question.
struct QueryProbe {
    let name: String
    let expected: String
    let query: GatehouseFleet.FleetQuery

    /// The documented filters, alone and in two common combinations, over `loaded` records.
    static func all(loaded: Int, hosts: Int) -> [QueryProbe] {
        func make(_ name: String, _ share: Double, _ change: (inout GatehouseFleet.FleetQuery) -> Void) -> QueryProbe {
            var query = GatehouseFleet.FleetQuery()
            change(&query)
            let count = Double(loaded) * share
            return QueryProbe(
                name: name, expected: count >= 1000 ? String(format: "%.0fk", count / 1000) : String(format: "%.0f", count), query: query)
        }
        let middle = loaded / 2
        let day = Int(86_400 / SyntheticFleet.spacing)
        let month = min(loaded, 30 * day)
        return [
            make("none (everything, oldest first)", 1) { _ in },
            make("time range: one day", Double(day) / Double(loaded)) {
                $0.since = SyntheticFleet.time(middle)
                $0.until = SyntheticFleet.time(middle + day)
            },
            make("time range: the last 30 days", Double(month) / Double(loaded)) { $0.since = SyntheticFleet.time(loaded - month) },
            make("person", 2 / 1000) { $0.principal = SyntheticFleet.person(ofHost: 42) },
            make("host", 1 / Double(hosts)) { $0.host = SyntheticFleet.host(42, hosts: hosts) },
            make("method (common: catalog.get)", 0.30) { $0.method = "catalog.get" },
            make("method (rare: dashboard.open)", 0.01) { $0.method = "dashboard.open" },
            make("entity", 0.71 / 5000) { $0.entity = "component:default/service-1234" },
            make("decision = deny", 0.03) { $0.decision = "deny" },
            make("outcome = error", 0.02) { $0.outcome = "error" },
            make("person + last 30 days", 2 / 1000 * Double(month) / Double(loaded)) {
                $0.principal = SyntheticFleet.person(ofHost: 42)
                $0.since = SyntheticFleet.time(loaded - month)
            },
            make("method + decision = deny", 0.30 * 0.03) {
                $0.method = "catalog.get"
                $0.decision = "deny"
            },
        ]
    }
}
