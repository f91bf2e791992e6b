import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse status`: is the daemon up, and what each of its components holds.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, uptime, database and each component's state.",
        discussion: """
            Exit 3 when the daemon is not running. `gatehouse doctor` checks more (IdP, upstreams, clock, disk).

            EXAMPLES:
              gatehouse status
              gatehouse status --json | jq .components.jobs
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let status = try global.call("system.status")
        if global.json { return Output.json(status) }
        let uptime = Output.duration(seconds: status["uptimeSeconds"]?.doubleValue ?? 0)
        print("gatehouse \(Output.cell(status["version"])) running (pid \(Output.cell(status["pid"])), up \(uptime))")
        var view = KeyValueView()
        let bytes =
            (status["database"]?["bytes"]?.intValue.map(Output.size) ?? "-")
            + (status["database"]?["freeBytes"]?.intValue.map { ", \(Output.size(bytes: $0)) free" } ?? "")
        view.add(
            nil,
            rows: [
                ("schema version", Output.cell(status["schemaVersion"])),
                ("database", "\(Output.cell(status["database"]?["path"])) (\(bytes))"),
                ("audit records", Output.cell(status["audit"]?["records"])),
            ])
        for (component, state) in (status["components"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            view.add(component, state.objectValue ?? [:])
        }
        view.print()
    }
}
