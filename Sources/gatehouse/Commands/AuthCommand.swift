import ArgumentParser
import GatehouseCore

/// `gatehouse auth status`: who is signed in, groups, token expiries and whether the IdP is reachable.
struct AuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "auth", abstract: "Sign-in state.", subcommands: [Status.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who am I, groups, token expiries, offline or not.",
            discussion: """
                EXAMPLES:
                  gatehouse auth status
                  gatehouse auth status --json | jq .principal
                """)
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let status = try global.call("auth.status")
            if global.json { return Output.json(status) }
            Output.wrapped(Output.cell(status["summary"]))
            if let groups = status["principal"]?["groups"]?.arrayValue, !groups.isEmpty {
                Output.wrapped("groups: " + groups.map { Output.cell($0) }.joined(separator: ", "))
            }
            let rows = (status["tokens"]?.arrayValue ?? []).map { token in
                [Output.cell(token["audience"]), Output.cell(token["scopes"]), Output.cell(token["expiresAt"]), Output.cell(token["chain"])]
            }
            if !rows.isEmpty { Output.table(["AUDIENCE", "SCOPES", "EXPIRES", "CHAIN"], rows) }
            if let error = status["lastError"]?.stringValue {
                let next = status["nextRefreshAttempt"]?.stringValue.map { " (next refresh attempt at \($0))" } ?? ""
                Output.wrapped("last error: " + TerminalText.sanitized(error) + TerminalText.sanitized(next))
            }
        }
    }
}
