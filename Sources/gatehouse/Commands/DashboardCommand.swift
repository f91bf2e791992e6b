import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseLooker

/// `gatehouse dashboard`: an entity's Looker dashboards, served from the local cache when Looker is slow or away.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "List, show (as terminal tables) and open an entity's Looker dashboards.",
        subcommands: [List.self, Show.self, Open.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "The entity's dashboards (looker.com/dashboard-ids) and what is cached.",
            discussion: """
                EXAMPLES:
                  gatehouse dashboard ls analytics-pipeline
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref, e.g. component:default/analytics-pipeline") var entity: String
        func run() throws {
            let result = try global.call("dashboard.list", ["entity": .string(entity)])
            if global.json { return Output.json(result) }
            let rows = (result["dashboards"]?.arrayValue ?? []).map { dashboard in
                [
                    Output.cell(dashboard["id"]), Output.cell(dashboard["title"]), dashboard["cached"] == true ? "yes" : "no",
                    Output.cell(dashboard["fetchedAt"]),
                ]
            }
            Output.table(["ID", "TITLE", "CACHED", "FETCHED AT"], rows)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A dashboard's tiles as tables (default: the entity's first dashboard).",
            discussion: """
                EXAMPLES:
                  gatehouse dashboard show analytics-pipeline
                  gatehouse dashboard show analytics-pipeline 12 --csv
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref, e.g. component:default/analytics-pipeline") var entity: String
        @Argument(help: "Dashboard id (one of the entity's looker.com/dashboard-ids).") var id: String?
        @Flag(help: "Each tile as CSV, after a `# title` line.") var csv = false

        func run() throws {
            var params: [String: JSONValue] = ["entity": .string(entity)]
            if let id { params["id"] = .string(id) }
            let dashboard = try global.call("dashboard.get", .object(params))
            if global.json { return Output.json(dashboard) }
            if csv { return DashboardRendering.csv(dashboard) }
            // A terminal gets each tile drawn by its visualization type; pipes and files get plain tables.
            if let width = Terminal.width { return DashboardRendering.charts(dashboard, width: width) }
            DashboardRendering.tables(dashboard)
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints a single-use SSO embed URL of the dashboard (or opens it with --browser).",
            discussion: """
                EXAMPLES:
                  gatehouse dashboard open analytics-pipeline 12 --browser
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref") var entity: String
        @Argument(help: "Dashboard id") var id: String
        @Flag(help: "Open the URL with xdg-open instead of printing it.") var browser = false

        func run() throws {
            let result = try global.call("dashboard.embedUrl", ["entity": .string(entity), "id": .string(id)])
            if global.json { return Output.json(result) }
            let url = Output.cell(result["url"])
            guard browser else { return print(url) }
            if !DashboardRendering.openInBrowser(url) {
                // No desktop here (ssh, container): the URL is still usable elsewhere within its session length.
                Output.error("could not run xdg-open; open this URL yourself:")
                print(url)
            }
        }
    }
}

/// How a `dashboard.get` answer looks in a terminal.
enum DashboardRendering {
    static func tables(_ dashboard: JSONValue) {
        print("\(Output.cell(dashboard["title"])) (dashboard \(Output.cell(dashboard["id"]))) · \(Output.cell(dashboard["entity"]))")
        print(freshness(dashboard))
        for tile in dashboard["tiles"]?.arrayValue ?? [] {
            print("")
            print("## " + Output.cell(tile["title"]))
            if let error = tile["error"]?.stringValue {
                print("(no rows: \(error))")
                continue
            }
            guard let rows = tile["rows"]?.arrayValue else {
                print("(no query)")
                continue
            }
            let fields = fields(of: tile)
            Output.table(fields, rows.map { row in fields.map { Output.cell(row[$0]) } })
        }
    }

    /// Each tile drawn by its Looker visualization type, every line fitted to `width` (see `TileChart`).
    static func charts(_ dashboard: JSONValue, width: Int) {
        print(
            Terminal.fit(
                "\(Output.cell(dashboard["title"])) (dashboard \(Output.cell(dashboard["id"]))) · \(Output.cell(dashboard["entity"]))", width))
        print(Terminal.fit(freshness(dashboard), width))
        for tile in dashboard["tiles"]?.arrayValue ?? [] {
            print("")
            print(Terminal.fit("## " + Output.cell(tile["title"]), width))
            if let error = tile["error"]?.stringValue {
                print(Terminal.fit("(no rows: \(error))", width))
                continue
            }
            guard let rows = tile["rows"]?.arrayValue else {
                print("(no query)")
                continue
            }
            TileChart.render(visualization: tile["visualization"]?.stringValue, fields: fields(of: tile), rows: rows, width: width).forEach {
                print($0)
            }
        }
    }

    static func csv(_ dashboard: JSONValue) {
        for tile in dashboard["tiles"]?.arrayValue ?? [] {
            guard let rows = tile["rows"]?.arrayValue else { continue }
            let fields = fields(of: tile)
            print("# " + Output.cell(tile["title"]))
            print(fields.map(csvCell).joined(separator: ","))
            for row in rows { print(fields.map { csvCell(row[$0].map { Output.cell($0) } ?? "") }.joined(separator: ",")) }
        }
    }

    /// One line on how old the data is and why.
    static func freshness(_ dashboard: JSONValue) -> String {
        let fetched = "fetched \(Output.cell(dashboard["fetchedAt"]))"
        if dashboard["offline"] == true { return fetched + " · OFFLINE: Looker is unreachable, showing the last good copy" }
        if dashboard["stale"] == true { return fetched + " · stale, refreshing in the background" }
        return fetched + " · " + Output.cell(dashboard["source"])
    }

    private static func fields(of tile: JSONValue) -> [String] {
        let fields = (tile["fields"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !fields.isEmpty { return fields }
        return tile["rows"]?.arrayValue?.first?.objectValue?.keys.sorted() ?? []
    }

    /// RFC 4180: quote cells holding a comma, quote or line break; double the quotes inside.
    private static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func openInBrowser(_ url: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
