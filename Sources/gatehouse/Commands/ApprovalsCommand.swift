import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC

/// `gatehouse approval ls|approve|deny`: what waits for a person's yes, and the person's answer.
struct ApprovalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approval",
        abstract: "List pending approvals and approve or deny them (from a terminal only).",
        discussion: """
            `gatehouse approvals`, `gatehouse approve` and `gatehouse deny` are the older spellings; they still work.

            EXAMPLES:
              gatehouse approval ls
              gatehouse approval ls --state all --limit 20
              gatehouse approval approve ap-7f3c
              gatehouse approval deny ap-7f3c --reason "not during the freeze"
            """,
        subcommands: [ApprovalsCommand.self, ApproveCommand.self, DenyCommand.self],
        defaultSubcommand: ApprovalsCommand.self,
        aliases: ["approvals"])
}

/// `gatehouse approval ls`: who asked, from which process, what exactly would run, until when.
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List approvals: who asked, from which process, what exactly would run, until when.",
        discussion: """
            EXAMPLES:
              gatehouse approval ls
              gatehouse approval ls --state all --json
            """,
        aliases: ["list"])

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("s"), .long], help: "pending (default), approved, denied, expired or all.") var state = "pending"
    @Option(name: [.customShort("L"), .long], help: "At most this many approvals, newest first (1-10000).") var limit: Int?

    func run() throws {
        var params: [String: JSONValue] = ["state": .string(state)]
        if let limit { params["limit"] = .int(Int64(limit)) }
        let result = try global.call("approval.list", .object(params))
        if global.json { return Output.json(result) }
        let approvals = result["approvals"]?.arrayValue ?? []
        guard !approvals.isEmpty else { return print("no \(state == "all" ? "" : state + " ")approvals") }
        let arrow = Terminal.symbol(" ← ", " < ")
        let rows = approvals.map { approval in
            let requester = approval["requester"]
            // The nearest parents show who is behind a script (an agent, a CI runner, a person's shell).
            let parents = (requester?["parents"]?.arrayValue ?? []).prefix(3).map { arrow + Output.cell($0["name"]) }.joined()
            return Row(
                id: Output.cell(approval["id"]), state: Output.cell(approval["state"]),
                requester: approval["principal"]?.stringValue.map(TerminalText.sanitized) ?? "uid \(Output.cell(requester?["uid"]))",
                process:
                    "\(Output.cell(requester?["pid"])) \(Self.basename(Output.cell(requester?["executable"]))) [\(Output.cell(requester?["callerClass"]))]\(parents)",
                action: Output.cell(approval["action"]), entity: Output.shortRef(Output.cell(approval["entity"])),
                wouldRun: Output.flat(approval["summary"] ?? .null), expires: Output.relative(approval["expiresAt"]?.stringValue))
        }
        // A terminal too narrow for eight columns gets one block per approval (as gh does for PRs); pipes get the table.
        if let width = Terminal.width, width < 160 {
            for (index, row) in rows.enumerated() {
                if index > 0 { print() }
                Output.line("\(row.id)  \(row.state)  \(row.action) on \(row.entity)  expires \(row.expires)")
                // What would run is the point of the question: wrapped, never cut.
                var view = KeyValueView()
                view.add(nil, rows: [("  requester", row.requester), ("  process", row.process), ("  would run", row.wouldRun)])
                view.print(width: width)
            }
            return
        }
        // One state asked for: the column would say the same thing on every row.
        let showState = state == "all"
        let header = ["ID"] + (showState ? ["STATE"] : []) + ["REQUESTER", "PROCESS", "ACTION", "ENTITY", "WOULD RUN", "EXPIRES"]
        Output.table(
            header,
            rows.map { row in
                [row.id] + (showState ? [row.state] : []) + [row.requester, row.process, row.action, row.entity, row.wouldRun, row.expires]
            })
    }

    /// One approval as shown to people.
    struct Row {
        var id, state, requester, process, action, entity, wouldRun, expires: String
    }

    /// The last path component of an executable.
    static func basename(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}

/// `gatehouse approval approve ID`: a person says yes, from their own terminal.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a pending action (only from an interactive terminal; exit 4 when refused).",
        discussion: """
            EXAMPLES:
              gatehouse approval approve ap-7f3c
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The approval id from `gatehouse approval ls`.", completion: DynamicCompletion.approvals()) var id: String
    @Flag(help: "When the action needs a fresh sign-in (oversight.step_up), use the device flow for it.") var device = false
    @Flag(help: "When the action needs a fresh sign-in, print its URL instead of opening a browser.") var noBrowser = false

    func run() throws {
        let params: JSONValue = ["id": .string(id)]
        var approval: JSONValue
        do {
            approval = try global.connect().call("approval.approve", params: params)
        } catch RPCClientError.rpc(let error) where error.data?["reason"] == "step_up_required" {
            // Sensitive approvals need the person to prove who they are now, at the IdP.
            Output.error(error.message.components(separatedBy: ". `gatehouse approve").first ?? error.message)
            Output.error("signing in again first…")
            let status = try SignIn.run(global, device: device, noBrowser: noBrowser, fresh: true)
            Output.error("signed in as \(SignIn.name(of: status))")
            approval = try global.call("approval.approve", params)
        } catch let error as RPCClientError {
            throw CLIFailure(error)
        }
        if let note = ApprovalDecision.noteOnHeldJob(approval, global: global), var members = approval.objectValue {
            members["note"] = .string(note)
            approval = .object(members)
        }
        ApprovalDecision.print(approval, json: global.json)
    }
}

/// `gatehouse approval deny ID --reason ...`: a person says no, and why.
struct DenyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny", abstract: "Deny a pending action with a reason (only from an interactive terminal; exit 4 when refused).",
        discussion: """
            EXAMPLES:
              gatehouse approval deny ap-7f3c --reason "not during the freeze"
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The approval id from `gatehouse approval ls`.", completion: DynamicCompletion.approvals()) var id: String
    @Option(help: "Why; recorded in the audit log and shown to the requester.") var reason: String

    func run() throws {
        ApprovalDecision.print(try global.call("approval.deny", ["id": .string(id), "reason": .string(reason)]), json: global.json)
    }
}

/// `gatehouse approve ID`: the older spelling of `gatehouse approval approve`, kept for scripts and habits.
struct ApproveAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Same as `gatehouse approval approve`.", shouldDisplay: false)
    @OptionGroup var command: ApproveCommand
    func run() throws { try command.run() }
}

/// `gatehouse deny ID --reason ...`: the older spelling of `gatehouse approval deny`.
struct DenyAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deny", abstract: "Same as `gatehouse approval deny`.", shouldDisplay: false)
    @OptionGroup var command: DenyCommand
    func run() throws { try command.run() }
}

/// The one-line answer to approve and deny; says so when the action it approved can no longer run.
enum ApprovalDecision {
    /// States in which a held job no longer waits for the approval (cancelled or ended meanwhile).
    static let settledJobStates: Set<String> = ["CANCELLED", "DONE", "ERROR", "EXPIRED", "REJECTED", "FAILED"]

    /// For an approved `job.submit`: a note when the job it held was cancelled (or ended) meanwhile, so approving ran nothing.
    static func noteOnHeldJob(_ approval: JSONValue, global: GlobalOptions) -> String? {
        guard approval["action"] == "job.submit", let id = approval["id"]?.stringValue, let entity = approval["entity"]?.stringValue,
            let jobs = try? global.call("job.list", ["entity": .string(entity), "limit": 1000])["jobs"]?.arrayValue,
            let job = jobs.first(where: { $0["approvalId"]?.stringValue == id }),
            let state = job["state"]?.stringValue, settledJobStates.contains(state)
        else { return nil }
        return "job \(Output.cell(job["jobId"])) was already \(state); approving it runs nothing"
    }

    static func print(_ approval: JSONValue, json: Bool) {
        if json { return Output.json(approval) }
        Swift.print(
            "\(Output.cell(approval["id"])) \(Output.cell(approval["state"])): \(Output.cell(approval["action"])) on \(Output.cell(approval["entity"]))"
        )
        if let note = approval["note"]?.stringValue { Swift.print("note: " + TerminalText.sanitized(note)) }
    }
}
