import ArgumentParser
import GatehouseBroker

/// `gatehouse config`: the keys Gatehouse understands and the values in force.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "List configuration keys, or show the resolved configuration.",
        subcommands: [Keys.self, Show.self])

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every key: type, default, environment variable, meaning (the Markdown of docs/configuration.md).")

        func run() throws {
            print(ConfigReference.markdown, terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The configuration in force, with where each value came from.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try global.loadConfig()
            print("socket    \(BrokerPaths.socket(config))")
            print("database  \(BrokerPaths.database(config))")
            for key in ConfigKeys.all {
                guard let value = config.displayValue(key.path) else { continue }
                print("\(key.path) = \(value)    (\(config.sources[key.path] ?? "default"))")
            }
        }
    }
}
