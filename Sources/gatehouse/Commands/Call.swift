import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse call METHOD [JSON]`: a raw JSON-RPC call, for scripts.
struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call any method with JSON params and print the JSON result.",
        discussion: """
            The result is always JSON. On failure the exit code says what kind (see `gatehouse --help`); with \
            --json the error object {error: {code, message, data: {reason, …}}, exitCode} is printed on stdout.

            EXAMPLES:
              gatehouse call system.methods
              gatehouse call audit.query '{"limit": 5, "order": "desc"}'
              gatehouse call catalog.get '{"ref": "component:default/artist-lookup"}' --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Method name, e.g. system.ping (system.methods lists them).")
    var method: String

    @Argument(help: "Params as a JSON object or array.")
    var params: String?

    func run() throws {
        var decoded: JSONValue?
        if let params {
            let value: JSONValue
            do {
                value = try JSONParser.parse(params.utf8)
            } catch {
                let (line, column) = Self.position(of: error.offset, in: params)
                throw CLIFailure(
                    "params are not JSON: \(error.reason) at line \(line), column \(column)", code: .usage, reason: "parse_error",
                    extra: ["line": .int(Int64(line)), "column": .int(Int64(column))])
            }
            guard value.objectValue != nil || value.arrayValue != nil else {
                throw CLIFailure("params must be a JSON object or array, e.g. '{\"limit\": 5}'", code: .usage)
            }
            decoded = value
        }
        Output.json(try global.call(method, decoded))
    }

    /// The 1-based line and column (in characters) of a byte offset.
    static func position(of offset: Int, in text: String) -> (line: Int, column: Int) {
        let before = String(decoding: text.utf8.prefix(offset), as: UTF8.self)
        let lines = before.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count, (lines.last?.count ?? 0) + 1)
    }
}
