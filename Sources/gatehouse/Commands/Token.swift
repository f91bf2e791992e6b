import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse token`: prints a token from the daemon, plainly or in Google's executable-credential format.
struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print short-lived tokens held by the daemon.", subcommands: [Print.self, GoogleExecutable.self, GoogleConfig.self])

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a valid token for an audience (oidc, idp, google, looker).",
            discussion: """
                EXAMPLES:
                  gatehouse token print
                  gatehouse token print --audience google --scope https://www.googleapis.com/auth/cloud-platform
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "oidc, idp, google or looker.") var audience: String = "google"
        @Option(help: "Scope (repeatable), for google.") var scope: [String] = []

        func run() throws {
            let result = try global.call("token.get", ["audience": .string(audience), "scopes": .array(scope.map(JSONValue.string))])
            if global.json { return Output.json(result) }
            print(result["token"]?.stringValue ?? "")
        }
    }

    /// The executable-sourced credential format of Google's auth libraries (`credential_source.executable`).
    struct GoogleExecutable: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "google-executable",
            abstract: "Print the ID token as the JSON Google's executable-sourced workload identity federation expects.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let contract = GoogleExecutableContract()
            try GoogleExecutableRun(global: global, contract: contract).run()
        }
    }
}
