import ArgumentParser
import GatehouseCore
import GatehouseStore

/// `gatehouse version`: this CLI's version, and the running daemon's version and schema, when it runs.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the CLI's version and, when it runs, the daemon's version and database schema.",
        discussion: """
            Exit 0 whether or not the daemon runs: a stopped daemon is reported, not an error.

            EXAMPLES:
              gatehouse version
              gatehouse version --json
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        // A daemon that does not answer is a fact to report here, not a failure.
        let status = try? global.call("system.status")
        if global.json {
            var result: [String: JSONValue] = ["cli": .string(GatehouseVersion.current), "schema": .int(Int64(SchemaMigrations.latestVersion))]
            if let status {
                result["daemon"] = ["version": status["version"] ?? .null, "schema": status["schemaVersion"] ?? .null, "pid": status["pid"] ?? .null]
            } else {
                result["daemon"] = .null
            }
            return Output.json(.object(result))
        }
        print("gatehouse \(GatehouseVersion.current) (database schema \(SchemaMigrations.latestVersion))")
        if let status {
            print(
                "daemon    \(Output.cell(status["version"])) (pid \(Output.cell(status["pid"])), database schema \(Output.cell(status["schemaVersion"])))"
            )
        } else {
            print("daemon    not running")
        }
    }
}
