import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse call METHOD [JSON]`: a raw JSON-RPC call, for scripts.
struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call any method with JSON params and print the JSON result.",
        discussion: "Example: gatehouse call audit.query '{\"limit\": 5, \"order\": \"desc\"}'")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Method name, e.g. system.ping (system.methods lists them).")
    var method: String

    @Argument(help: "Params as a JSON object or array.")
    var params: String?

    func run() throws {
        var decoded: JSONValue?
        if let params {
            guard let value = try? JSONParser.parse(params.utf8),
                value.objectValue != nil || value.arrayValue != nil
            else {
                throw CLIFailure("params must be a JSON object or array, e.g. '{\"limit\": 5}'", code: .usage)
            }
            decoded = value
        }
        Output.json(try global.call(method, decoded))
    }
}
