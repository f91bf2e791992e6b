import ArgumentParser
import GatehouseBroker
import GatehouseCore

/// `gatehouse config`: the keys Gatehouse understands and the values in force.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "List configuration keys, or show the resolved configuration.",
        subcommands: [Keys.self, Show.self])

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every key: type, default, environment variable, meaning (the Markdown of docs/configuration.md).",
            discussion: """
                EXAMPLES:
                  gatehouse config keys > docs/configuration.md
                  gatehouse config keys --json | jq '.[].key'
                """)
        @Flag(help: "The keys as a JSON array of {key, type, default, env, summary}.") var json = false

        func run() throws {
            guard json else { return print(ConfigReference.markdown, terminator: "") }
            Output.json(
                .array(
                    ConfigKeys.all.map { key in
                        [
                            "key": .string(key.path), "type": .string(key.kindDescription),
                            "default": key.defaultValue.map(JSONValue.string) ?? .null,
                            "env": .string(key.environmentName), "summary": .string(key.summary),
                        ]
                    }))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The configuration in force: the file it was read from, and each value with where it came from.",
            discussion: """
                The file is --config, else $GATEHOUSE_CONFIG, else $XDG_CONFIG_HOME/gatehouse/config.yaml \
                (~/.config/gatehouse/config.yaml) when it exists. Secrets are masked.

                EXAMPLES:
                  gatehouse config show
                  gatehouse config show --json
                """)
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try global.loadConfig()
            let file = global.configFile
            let values = ConfigKeys.all.compactMap { key in
                config.displayValue(key.path).map { (key.path, $0, config.sources[key.path] ?? "default") }
            }
            if global.json {
                return Output.json([
                    "file": file.map(JSONValue.string) ?? .null, "socket": .string(BrokerPaths.socket(config)),
                    "database": .string(BrokerPaths.database(config)),
                    "values": .array(values.map { ["key": .string($0.0), "value": .string($0.1), "source": .string($0.2)] }),
                ])
            }
            var view = KeyValueView()
            view.add(
                nil,
                rows: [
                    ("file", file ?? "none (defaults and environment only; looked for \(GlobalOptions.defaultConfigPath))"),
                    ("socket", BrokerPaths.socket(config)), ("database", BrokerPaths.database(config)),
                ])
            view.add("values", rows: values.map { ($0.0, "\($0.1)  (\($0.2))") })
            view.print()
        }
    }
}
