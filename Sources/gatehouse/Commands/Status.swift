import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse status`: is the daemon up, and what does it hold.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's version, uptime, database and counts.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let status = try global.call("system.status")
        if global.json { return Output.json(status) }
        print("gatehouse \(Output.cell(status["version"])) running (pid \(Output.cell(status["pid"])), up \(Output.cell(status["uptimeSeconds"])) s)")
        print("schema version  \(Output.cell(status["schemaVersion"]))")
        print("database        \(Output.cell(status["database"]?["path"])) (\(Output.cell(status["database"]?["bytes"])) bytes)")
        for (name, count) in (status["counts"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(Output.cell(count))")
        }
    }
}
