import ArgumentParser
import Foundation
import GatehouseCore

/// The `gatehouse` command: the daemon and everything that talks to it.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Per-host access broker: short-lived credentials, catalog-driven policy, audited.",
        discussion: """
            GLOBAL OPTIONS (every command that talks to the daemon takes them):
              --config FILE  config file (YAML); default $GATEHOUSE_CONFIG, else
                             $XDG_CONFIG_HOME/gatehouse/config.yaml if it exists
              --socket PATH  the daemon's Unix socket (config key: socket)
              --json         JSON output, errors included (on data commands)

            EXIT CODES:
            \(ExitCode.table)

            EXAMPLES:
              gatehouse login
              gatehouse catalog mine
              gatehouse job submit reports --pyspark gs://b/m.py -- --day 2026-11-23
              gatehouse approval ls
              gatehouse doctor

            See docs/cli.md (conventions, completions) and `man gatehouse`.
            """,
        version: GatehouseVersion.current,
        subcommands: [
            Serve.self, Status.self, Version.self, Call.self, AuditCommand.self, ConfigCommand.self, Login.self, Logout.self, Token.self,
            AuthCommand.self,
            CatalogCommand.self, PolicyCommand.self, ApprovalCommand.self, ApproveAlias.self, DenyAlias.self, DashboardCommand.self,
            JobCommand.self, ClusterCommand.self, Doctor.self, Completion.self, ServiceCommand.self, FleetCommand.self,
            BatchCommand.self,
        ]
    )

    /// Runs the command and maps failures to the documented exit codes (ArgumentParser's usage code is 64; ours is 2).
    static func main() async {
        let json = Self.wantsJSON(CommandLine.arguments.dropFirst())
        // `--version` names the daemon's version too, as `gatehouse version` does.
        if CommandLine.arguments.dropFirst().elementsEqual(["--version"]) {
            do {
                var version = try Version.parse([])
                try version.run()
                Foundation.exit(0)
            } catch {
                Foundation.exit(ExitCode.error.rawValue)
            }
        }
        if let unknown = Self.unknownSubcommand(Array(CommandLine.arguments.dropFirst())) { fail(unknown, json: json) }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            fail(failure, json: json)
        } catch let quiet as CLIExit {
            Foundation.exit(quiet.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            // ArgumentParser's own message (with the usage lines) goes to stderr as it wrote it.
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            guard code == .validationFailure else { Foundation.exit(code.rawValue) }
            if json {
                let first = message.split(separator: "\n").first.map(String.init) ?? message
                Output.json(CLIFailure(first.replacingOccurrences(of: "Error: ", with: ""), code: .usage).json)
            }
            Foundation.exit(ExitCode.usage.rawValue)
        }
    }

    /// A word where a subcommand belongs that names none: a usage failure with the nearest name
    /// (ArgumentParser would only say "unexpected argument").
    static func unknownSubcommand(_ arguments: [String]) -> CLIFailure? {
        var command: any ParsableCommand.Type = Gatehouse.self
        var path = ["gatehouse"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !word.hasPrefix("-"), !subcommands.isEmpty, command.configuration.defaultSubcommand == nil, word != "help" else { return nil }
            if let next = subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) {
                command = next
                path.append(word)
                continue
            }
            let names = subcommands.filter { $0.configuration.shouldDisplay }.flatMap { [$0._commandName] + $0.configuration.aliases }
            let nearest = NearestName.closest(to: word, in: names)
            let suggestion =
                nearest.map { "; did you mean `\(path.joined(separator: " ")) \($0)`?" }
                ?? "; `\(path.joined(separator: " ")) --help` lists the commands"
            return CLIFailure(
                "unknown command `\(path.joined(separator: " ")) \(word)`" + suggestion, code: .usage, reason: "unknown_command",
                extra: ["command": .string(word), "didYouMean": nearest.map(JSONValue.string) ?? .null])
        }
        return nil
    }

    /// Reports `failure` (as a JSON error object on stdout with `--json`, else a line on stderr) and exits with its code.
    static func fail(_ failure: CLIFailure, json: Bool) -> Never {
        if json {
            Output.json(failure.json)
        }
        Output.error(failure.message)
        Foundation.exit(failure.code.rawValue)
    }

    /// Whether `--json` is among Gatehouse's own arguments (not a job's, after `--`).
    static func wantsJSON(_ arguments: ArraySlice<String>) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }
}
