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
        subcommands: [Query.self, Verify.self, Export.self])

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
        static let configuration = CommandConfiguration(abstract: "Show audit records matching filters.",
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

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain; exit 1 and name the first bad record if anything was altered or removed.",
            discussion: """
                EXAMPLES:
                  gatehouse audit verify
                  gatehouse audit verify --db /backup/gatehouse.db
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let report = try AuditAccess(global: global, database: database).run(method: "audit.verify", params: nil, direct: AuditMethods.verify)
            if global.json { Output.json(report) }
            if report["intact"] == .bool(true) {
                if !global.json { print("audit chain intact: \(Output.cell(report["checked"])) records verified") }
                return
            }
            let seq = Output.cell(report["firstBroken"]?["seq"])
            let reason = Output.cell(report["firstBroken"]?["reason"])
            throw CLIFailure("audit chain BROKEN at record \(seq): \(reason)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stream audit records (read from the database directly).",
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
