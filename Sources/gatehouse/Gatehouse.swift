import ArgumentParser
import Foundation
import GatehouseCore

/// The `gatehouse` command: the daemon and everything that talks to it.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Per-host access broker: short-lived credentials, catalog-driven policy, audited.",
        discussion: "Exit codes: 0 ok, 1 error, 2 usage, 3 daemon unreachable, 4 denied.",
        version: GatehouseVersion.current,
        subcommands: [
            Serve.self, Status.self, Version.self, Call.self, AuditCommand.self, ConfigCommand.self, Login.self, Logout.self, Token.self, AuthCommand.self,
            CatalogCommand.self, PolicyCommand.self, ApprovalsCommand.self, ApproveCommand.self, DenyCommand.self, DashboardCommand.self,
            JobCommand.self, ClusterCommand.self, FleetCommand.self,
        ]
    )

    /// Runs the command and maps failures to the documented exit codes (ArgumentParser's usage code is 64; ours is 2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Output.error(failure.message)
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? CLIFailure.Code.usage.rawValue : code.rawValue)
        }
    }
}
