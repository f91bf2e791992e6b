import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse status`: is the daemon up, and what each of its components holds.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, uptime, database and each component's state.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let status = try global.call("system.status")
        if global.json { return Output.json(status) }
        print("gatehouse \(Output.cell(status["version"])) running (pid \(Output.cell(status["pid"])), up \(Output.cell(status["uptimeSeconds"])) s)")
        var view = KeyValueView()
        view.add(nil, rows: [
            ("schema version", Output.cell(status["schemaVersion"])),
            ("database", "\(Output.cell(status["database"]?["path"])) (\(Output.cell(status["database"]?["bytes"])) bytes, \(Output.cell(status["database"]?["freeBytes"])) free)"),
            ("audit records", Output.cell(status["audit"]?["records"])),
        ])
        for (component, state) in (status["components"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            view.add(component, state.objectValue ?? [:])
        }
        view.print()
    }
}
