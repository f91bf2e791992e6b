import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC

/// Options every subcommand takes: where the config and socket are (documented once, in the root
/// command's help, so hidden here), and `--json`.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Config file (YAML).", visibility: .hidden))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Unix socket path (config key: socket).", visibility: .hidden))
    var socket: String?

    @Flag(name: .long, help: "Machine-readable JSON output (errors too: {error: {code, message, data.reason}, exitCode}).")
    var json = false

    /// The resolved configuration with these flags applied.
    func loadConfig(extraFlags: [String: String] = [:]) throws -> Config {
        var flags = extraFlags
        if let socket { flags["socket"] = socket }
        do {
            return try Config.load(file: configFile, flags: flags)
        } catch {
            throw CLIFailure(error.description, code: .usage, reason: "invalid_config")
        }
    }

    /// The config file in use: `--config`, else `$GATEHOUSE_CONFIG`, else the XDG location when it exists.
    var configFile: String? { Self.configFile(explicit: config) }

    /// The config file for an explicit `--config` (or none): also used where no options were parsed (completions).
    static func configFile(explicit config: String?) -> String? {
        if let config { return config }
        if let fromEnv = ProcessInfo.processInfo.environment["GATEHOUSE_CONFIG"] { return fromEnv }
        let fallback = defaultConfigPath
        return FileManager.default.fileExists(atPath: fallback) ? fallback : nil
    }

    /// `$XDG_CONFIG_HOME/gatehouse/config.yaml`, else `$HOME/.config/gatehouse/config.yaml` (the XDG base directory rule).
    static var defaultConfigPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config"
        return base + "/gatehouse/config.yaml"
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

    /// Calls a method about the entity `ref`; when that entity is not found, the failure suggests the nearest ref.
    func call(_ method: String, _ params: JSONValue? = nil, entity ref: String) throws -> JSONValue {
        do {
            return try call(method, params)
        } catch let failure as CLIFailure where failure.code == .notFound {
            throw EntitySuggestion.enrich(failure, ref: ref, global: self)
        }
    }
}

/// "Did you mean" for entity refs: the nearest ref (or bare name) in the local catalog snapshot.
enum EntitySuggestion {
    static func enrich(_ failure: CLIFailure, ref: String, global: GlobalOptions) -> CLIFailure {
        guard let entities = try? global.call("catalog.search", ["limit": 1000])["entities"]?.arrayValue else { return failure }
        let refs = entities.compactMap { $0["ref"]?.stringValue }
        // A bare name is compared with names, a full ref with refs.
        let bare = !ref.contains(":") && !ref.contains("/")
        let candidates = bare ? entities.compactMap { $0["name"]?.stringValue } : refs
        guard let nearest = NearestName.closest(to: ref, in: candidates), nearest != ref else { return failure }
        var data = failure.rpc.data?.objectValue ?? [:]
        data["didYouMean"] = .string(nearest)
        var rpc = failure.rpc
        rpc.data = .object(data)
        return CLIFailure(failure.message + "; did you mean \(nearest)?", code: failure.code, rpc: rpc)
    }
}

/// `--db`, only on the commands that open the database themselves (`serve`, `audit`, `doctor`).
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Database path (config key: database).")
    var db: String?

    /// The config flags this option sets.
    var flags: [String: String] { db.map { ["database": $0] } ?? [:] }
}
