import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse token`: prints a token from the daemon, plainly or in Google's executable-credential format.
struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print short-lived tokens held by the daemon.", subcommands: [Print.self, GoogleExecutable.self])

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a valid token for an audience (oidc, idp, google, looker).",
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
            let answer: JSONValue
            do {
                answer = try global.call("token.get", ["audience": "oidc"])
            } catch let failure as CLIFailure {
                // Google's libraries read the failure from stdout in the same format.
                Output.jsonLine(["version": 1, "success": false, "code": "gatehouse_error", "message": .string(failure.message)])
                throw failure
            }
            Output.jsonLine([
                "version": 1, "success": true, "token_type": "urn:ietf:params:oauth:token-type:id_token",
                "id_token": answer["token"] ?? .null, "expiration_time": answer["expiresAtUnix"] ?? .null,
            ])
        }
    }
}
