import ArgumentParser
import Foundation
import GatehouseBroker
import Logging

/// `gatehouse serve`: run the daemon in the foreground.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon in the foreground until SIGTERM or SIGINT.",
        discussion: """
            EXAMPLES:
              gatehouse serve
              gatehouse serve --log-level debug --db /tmp/gatehouse.db
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error (config key: log_level).")
    var logLevel: String?

    func run() async throws {
        var flags = database.flags
        if let logLevel { flags[ConfigKeys.Foundation.logLevel.key.path] = logLevel }
        let config = try global.loadConfig(extraFlags: flags)
        let level = config[ConfigKeys.Foundation.logLevel]
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatehouse")
        do {
            let daemon = try Daemon(config: config, logger: logger)
            try await daemon.run()
        } catch {
            throw CLIFailure("\(error)")
        }
    }
}
