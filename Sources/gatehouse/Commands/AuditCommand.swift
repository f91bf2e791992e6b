import ArgumentParser
import Foundation
import GRDB
import GatehouseAudit
import GatehouseBroker
import GatehouseCore
import GatehouseRPC
import GatehouseStore

/// `gatehouse audit`: query, verify and export the audit trail, with or without the daemon.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Query, verify and export the audit trail (works with the daemon stopped).",
        subcommands: [Query.self, Verify.self, Export.self, Show.self])

    /// Filters shared by `query` and `export`.
    struct Filters: ParsableArguments {
        @Option(help: "From this time: RFC 3339, or an age like 15m, 2h, 7d.") var since: String?
        @Option(help: "Up to this time.") var until: String?
        @Option(help: "Only this principal (e.g. alice@example.com).") var principal: String?
        @Option(help: "Only this method (e.g. job.submit).") var method: String?
        @Option(help: "Only this catalog entity ref.") var entity: String?
        @Option(help: "ok or error.") var outcome: AuditOutcome?
        @Option(help: "allow, deny, pending or none.") var decision: AuditDecision?

        var query: AuditQuery {
            var query = AuditQuery()
            query.since = since
            query.until = until
            query.principal = principal
            query.method = method
            query.entity = entity
            query.outcome = outcome
            query.decision = decision
            return query
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show audit records matching filters.",
            discussion: """
                EXAMPLES:
                  gatehouse audit query --since 2h --method job.submit
                  gatehouse audit query --principal alice@example.com --newest --limit 20
                  gatehouse audit query --decision deny --json
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @OptionGroup var filters: Filters
        @Option(name: [.customShort("L"), .long], help: "Page size (1-1000).") var limit: Int = 50
        @Option(help: "Continue after this seq (nextCursor of the previous page).") var cursor: Int64?
        @Flag(help: "Newest first.") var newest = false

        func run() throws {
            var query = filters.query
            query.limit = limit
            query.cursor = cursor
            query.order = newest ? .desc : .asc
            let page = try AuditAccess(global: global, database: database).run(
                method: "audit.query", params: try JSONValue(encoding: query),
                direct: { db in try AuditMethods.runQuery(query, db) })
            if global.json { return Output.json(page) }
            let rows = (page["records"]?.arrayValue ?? []).map { record -> [String] in
                let who = record["principal"]?.stringValue ?? record["peer"]?["uid"].map { "uid " + Output.cell($0) } ?? "-"
                return [
                    Output.cell(record["seq"]), String(Output.cell(record["at"]).prefix(23)), who, Output.cell(record["method"]),
                    Output.cell(record["entity"]), Output.cell(record["decision"]), Output.cell(record["outcome"]),
                    Output.cell(record["errorReason"]),
                ]
            }
            Output.table(["SEQ", "AT (UTC)", "WHO", "METHOD", "ENTITY", "DECISION", "OUTCOME", "REASON"], rows)
            if let next = page["nextCursor"]?.intValue { print("more: --cursor \(next)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One audit record; for a dashboard fetch, with Looker's own history (System Activity) of the queries it ran.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The record's seq.") var seq: Int64

        func run() throws {
            var query = AuditQuery()
            query.cursor = seq - 1
            query.limit = 1
            let page = try AuditAccess(global: global).run(
                method: "audit.query", params: try JSONValue(encoding: query), direct: { db in try AuditMethods.runQuery(query, db) })
            guard let record = page["records"]?.arrayValue?.first, record["seq"]?.intValue == seq else {
                throw CLIFailure("there is no audit record \(seq)")
            }
            // Looker's side needs the daemon (it holds the Looker session); our side does not.
            var looker: JSONValue = .null
            var lookerError: String?
            if record["detail"]?["lookerQueryIds"] != nil {
                do {
                    looker = try global.call("dashboard.lookerHistory", ["seq": .int(seq)])["looker"] ?? .null
                } catch {
                    lookerError = "\(error)"
                }
            }
            if global.json {
                return Output.json(["record": record, "looker": looker, "lookerError": lookerError.map(JSONValue.string) ?? .null])
            }
            print("Gatehouse record \(seq)")
            let peer = record["peer"]
            let lines: [(String, JSONValue?)] = [
                ("at", record["at"]), ("principal", record["principal"]), ("process", peer?["executable"]), ("pid", peer?["pid"]),
                ("uid", peer?["uid"]), ("method", record["method"]), ("entity", record["entity"]), ("decision", record["decision"]),
                ("outcome", record["outcome"]), ("looker user", record["detail"]?["lookerUser"]),
                ("looker user id", record["detail"]?["lookerUserId"]), ("looker queries", record["detail"]?["lookerQueryIds"]),
                ("looker history", record["detail"]?["lookerHistoryIds"]), ("cache", record["detail"]?["cache"]),
            ]
            for (name, value) in lines where value != nil && value != .null {
                print("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0) + Output.cell(value))
            }
            guard record["detail"]?["lookerQueryIds"] != nil else { return }
            print("")
            if let lookerError {
                print("Looker history: not available (\(lookerError))")
                return
            }
            let rows = (looker.arrayValue ?? []).map { row -> [String] in
                [
                    row["matchesRecord"] == .bool(true) ? "*" : "", Output.cell(row["history.id"]), Output.cell(row["history.created_time"]),
                    Output.cell(row["user.id"]), Output.cell(row["user.name"]), Output.cell(row["query.id"]), Output.cell(row["query.slug"]),
                    Output.cell(row["query.model"]) + "/" + Output.cell(row["query.view"]), Output.cell(row["history.source"]),
                    Output.cell(row["history.status"]),
                ]
            }
            print("Looker System Activity history of these queries for this Looker user (* = this record's run)")
            Output.table(["", "HISTORY", "CREATED (UTC)", "USER", "NAME", "QUERY", "SLUG", "EXPLORE", "SOURCE", "STATUS"], rows)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain; exit 1 and name the first bad record if anything was altered or removed.",
            discussion: """
                EXAMPLES:
                  gatehouse audit verify
                  gatehouse audit verify --incremental
                  gatehouse audit verify --db /backup/gatehouse.db
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @Flag(help: "Walk only the records since the last cosigned checkpoint (the collector verified and keeps the rest).")
        var incremental = false

        func run() async throws {
            let access = AuditAccess(global: global, database: database)
            let report = try await access.runAsync(method: "audit.verify", params: incremental ? ["incremental": true] : nil) { queue, config in
                try await AuditMethods.verify(queue, config: config, full: !incremental)
            }
            if global.json { Output.json(report) }
            if report["intact"] == .bool(true) {
                if !global.json {
                    let since = report["fromSeq"].map { " (from record \(Output.cell($0)), the last cosigned checkpoint)" } ?? ""
                    print("audit chain intact: \(Output.cell(report["checked"])) records verified\(since)")
                    if let remark = report["checkpointRemark"]?.stringValue { print(remark) }
                }
                return
            }
            if !global.json, let remark = report["checkpointRemark"]?.stringValue { Output.error(remark) }
            let seq = Output.cell(report["firstBroken"]?["seq"])
            let reason = Output.cell(report["firstBroken"]?["reason"])
            throw CLIFailure("audit chain BROKEN at record \(seq): \(reason)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream audit records (read from the database directly).",
            discussion: """
                EXAMPLES:
                  gatehouse audit export --since 7d > audit.jsonl
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @OptionGroup var filters: Filters
        @Option(help: "Output format; jsonl is one record per line.") var format: String = "jsonl"

        func run() throws {
            guard format == "jsonl" else { throw CLIFailure("--format must be jsonl", code: .usage) }
            let queue = try AuditAccess(global: global, database: database).openDatabase()
            var query = filters.query
            query.limit = AuditQuery.maxLimit
            try queue.read { db in
                while true {
                    let page = try query.run(db)
                    page.records.forEach { Output.jsonLine($0.json) }
                    guard let next = page.nextCursor else { break }
                    query.cursor = next
                }
            }
        }
    }
}

/// Reaches the audit log through the daemon when it runs (so the access is itself audited),
/// else reads the database file directly, read-only.
struct AuditAccess {
    let global: GlobalOptions
    var database: DatabaseOption? = nil

    func run(method: String, params: JSONValue?, direct: (Database) throws -> JSONValue) throws -> JSONValue {
        let config = try global.loadConfig(extraFlags: database?.flags ?? [:])
        let socket = BrokerPaths.socket(config)
        if SocketLocation.occupancy(of: socket) == .live {
            return try global.call(method, params)
        }
        if !global.json { Output.error("daemon not running; reading \(BrokerPaths.database(config)) directly (read-only)") }
        return try openDatabase().read(direct)
    }

    /// `run`, for direct readers that need more than one read or the network (`audit verify`).
    func runAsync(
        method: String, params: JSONValue?, direct: (DatabaseQueue, Config) async throws -> JSONValue
    ) async throws -> JSONValue {
        let config = try global.loadConfig(extraFlags: database?.flags ?? [:])
        if SocketLocation.occupancy(of: BrokerPaths.socket(config)) == .live {
            return try global.call(method, params)
        }
        if !global.json { Output.error("daemon not running; reading \(BrokerPaths.database(config)) directly (read-only)") }
        return try await direct(try openDatabase(), config)
    }

    func openDatabase() throws -> DatabaseQueue {
        let config = try global.loadConfig(extraFlags: database?.flags ?? [:])
        do {
            return try Store.openReadOnly(path: BrokerPaths.database(config))
        } catch {
            throw CLIFailure("\(error)")
        }
    }
}

extension AuditOutcome: ExpressibleByArgument {}
extension AuditDecision: ExpressibleByArgument {}
