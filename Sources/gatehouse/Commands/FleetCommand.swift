import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse fleet`: auditors' view of every host's audit trail at the fleet collector (docs/fleet.md).
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "Query and verify every host's audit trail at the fleet collector (auditors only).",
        subcommands: [Audit.self, Verify.self])

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fleet-wide audit records.", subcommands: [Query.self])
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records of every host matching filters, oldest first (one page; --cursor for the next).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "From this time (RFC 3339).") var since: String?
        @Option(help: "Before this time (RFC 3339).") var until: String?
        @Option(help: "Only this principal.") var principal: String?
        @Option(help: "Only this host id.") var host: String?
        @Option(help: "Only this method.") var method: String?
        @Option(help: "Only this catalog entity ref.") var entity: String?
        @Option(help: "allow, deny, pending or none.") var decision: String?
        @Option(help: "ok or error.") var outcome: String?
        @Option(help: "The nextCursor of the previous page.") var cursor: String?
        @Option(help: "Page size (1-1000).") var limit: Int = 100
        @Flag(help: "CSV with a header row, for spreadsheets.") var csv = false

        func run() throws {
            var params: [String: JSONValue] = ["limit": .int(Int64(limit))]
            for (name, value) in [
                ("since", since), ("until", until), ("principal", principal), ("host", host), ("method", method),
                ("entity", entity), ("decision", decision), ("outcome", outcome), ("cursor", cursor),
            ] {
                if let value { params[name] = .string(value) }
            }
            let page = try global.call("fleet.audit.query", .object(params))
            if global.json { return Output.json(page) }
            let columns = ["at", "principal", "method", "entity", "decision", "outcome", "seq"]
            let rows = (page["records"]?.arrayValue ?? []).map { item in
                [Output.cell(item["hostID"])] + columns.map { Output.cell(item["record"]?[$0]) }
            }
            let header = ["HOST", "AT", "PRINCIPAL", "METHOD", "ENTITY", "DECISION", "OUTCOME", "SEQ"]
            if csv {
                print(([header] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n"))
            } else {
                Output.table(header, rows)
            }
            if let next = page["nextCursor"]?.stringValue { Output.error("more: --cursor \(next)") }
        }

        /// RFC 4180: quote fields with commas, quotes or line breaks, doubling quotes.
        static func csvField(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The collector re-verifies HOST's whole stored chain against its cosigned checkpoint.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The host id (as in fleet audit query).") var host: String

        func run() throws {
            let report = try global.call("fleet.verify", ["host": .string(host)])
            if global.json { Output.json(report) }
            let alerts = report["alerts"]?.intValue ?? 0
            let note = alerts > 0 ? " (\(alerts) refused shipments on record)" : ""
            if report["intact"] == .bool(true) {
                if !global.json {
                    print(
                        "fleet chain of \(host) intact: \(Output.cell(report["checked"])) records, cosigned up to \(Output.cell(report["cosignedSize"]))\(note)"
                    )
                }
                return
            }
            throw CLIFailure(
                "fleet chain of \(host) BROKEN at record \(Output.cell(report["firstBrokenSeq"])): \(Output.cell(report["reason"]))\(note)")
        }
    }
}
