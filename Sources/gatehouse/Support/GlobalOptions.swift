import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC

/// Options every subcommand takes: where the config, socket and database are, and output form.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (YAML). Default: $GATEHOUSE_CONFIG, else ~/.config/gatehouse/config.yaml if it exists.")
    var config: String?

    @Option(name: .long, help: "Unix socket path (config key: socket).")
    var socket: String?

    @Option(name: .long, help: "Database path (config key: database).")
    var db: String?

    @Flag(name: .long, help: "Machine-readable JSON output.")
    var json = false

    /// The resolved configuration with these flags applied.
    func loadConfig(extraFlags: [String: String] = [:]) throws -> Config {
        var flags = extraFlags
        if let socket { flags["socket"] = socket }
        if let db { flags["database"] = db }
        do {
            return try Config.load(file: configFile, flags: flags)
        } catch {
            throw CLIFailure(error.description, code: .usage)
        }
    }

    private var configFile: String? {
        if let config { return config }
        if let fromEnv = ProcessInfo.processInfo.environment["GATEHOUSE_CONFIG"] { return fromEnv }
        let fallback = NSHomeDirectory() + "/.config/gatehouse/config.yaml"
        return FileManager.default.fileExists(atPath: fallback) ? fallback : nil
    }

    /// A connected client, or exit code 3 with how to start the daemon.
    func connect() throws -> RPCClient {
        let config = try loadConfig()
        do {
            return try RPCClient(socketPath: BrokerPaths.socket(config))
        } catch {
            throw CLIFailure(error)
        }
    }

    /// Calls one method and maps failures to exit codes.
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let client = try connect()
        do {
            return try client.call(method, params: params)
        } catch {
            throw CLIFailure(error)
        }
    }
}
