import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC

/// `gatehouse approvals`: what waits for a person's yes.
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals", abstract: "List approvals: who asked, from which process, what exactly would run, until when.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "pending (default), approved, denied, expired or all.") var state = "pending"
    @Option var limit: Int?

    func run() throws {
        var params: [String: JSONValue] = ["state": .string(state)]
        if let limit { params["limit"] = .int(Int64(limit)) }
        let result = try global.call("approval.list", .object(params))
        if global.json { return Output.json(result) }
        let approvals = result["approvals"]?.arrayValue ?? []
        guard !approvals.isEmpty else { return print("no \(state == "all" ? "" : state + " ")approvals") }
        Output.table(
            ["ID", "STATE", "REQUESTER", "PROCESS", "ACTION", "ENTITY", "WOULD RUN", "EXPIRES"],
            approvals.map { approval in
                let requester = approval["requester"]
                // The nearest parents show who is behind a script (an agent, a CI runner, a person's shell).
                let parents = (requester?["parents"]?.arrayValue ?? []).prefix(3).map { " ← " + Output.cell($0["name"]) }.joined()
                let process = "\(Output.cell(requester?["pid"])) \(Output.cell(requester?["executable"])) [\(Output.cell(requester?["callerClass"]))]\(parents)"
                return [
                    Output.cell(approval["id"]), Output.cell(approval["state"]),
                    approval["principal"]?.stringValue ?? "uid \(Output.cell(requester?["uid"]))", process,
                    Output.cell(approval["action"]), Output.cell(approval["entity"]), Self.oneLine(approval["summary"]),
                    Output.cell(approval["expiresAt"]),
                ]
            })
    }

    /// The summary on one line, shortened for the table (`approval.get` / `--json` show it whole).
    static func oneLine(_ summary: JSONValue?) -> String {
        let text = Output.cell(summary)
        return text.count > 80 ? String(text.prefix(79)) + "…" : text
    }
}

/// `gatehouse approve ID`: a person says yes, from their own terminal.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a pending action (only from an interactive terminal; exit 4 when refused).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The approval id from `gatehouse approvals`.") var id: String
    @Flag(help: "When the action needs a fresh sign-in (oversight.step_up), use the device flow for it.") var device = false
    @Flag(help: "When the action needs a fresh sign-in, print its URL instead of opening a browser.") var noBrowser = false

    func run() throws {
        let params: JSONValue = ["id": .string(id)]
        do {
            ApprovalDecision.print(try global.connect().call("approval.approve", params: params), json: global.json)
        } catch RPCClientError.rpc(let error) where error.data?["reason"] == "step_up_required" {
            // Sensitive approvals need the person to prove who they are now, at the IdP.
            Output.error(error.message.components(separatedBy: ". `gatehouse approve").first ?? error.message)
            Output.error("signing in again first…")
            let status = try SignIn.run(global, device: device, noBrowser: noBrowser, fresh: true)
            Output.error("signed in as \(SignIn.name(of: status))")
            ApprovalDecision.print(try global.call("approval.approve", params), json: global.json)
        } catch let error as RPCClientError {
            throw CLIFailure(error)
        }
    }
}

/// `gatehouse deny ID --reason ...`: a person says no, and why.
struct DenyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny", abstract: "Deny a pending action with a reason (only from an interactive terminal; exit 4 when refused).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The approval id from `gatehouse approvals`.") var id: String
    @Option(help: "Why; recorded in the audit log and shown to the requester.") var reason: String

    func run() throws {
        ApprovalDecision.print(try global.call("approval.deny", ["id": .string(id), "reason": .string(reason)]), json: global.json)
    }
}

/// The one-line answer to approve and deny.
enum ApprovalDecision {
    static func print(_ approval: JSONValue, json: Bool) {
        if json { return Output.json(approval) }
        Swift.print("\(Output.cell(approval["id"])) \(Output.cell(approval["state"])): \(Output.cell(approval["action"])) on \(Output.cell(approval["entity"]))")
    }
}
