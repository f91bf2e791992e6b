import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC

/// `gatehouse batch`: Dataproc Serverless batches through the durable outbox.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Submit and follow Dataproc Serverless batches for catalog entities (no cluster; sent exactly once).",
        subcommands: [Submit.self, List.self, Show.self, Cancel.self, Delete.self, Watch.self, Logs.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a Serverless batch for an entity, in the project and region its dataproc.googleapis.com annotations name.",
            discussion: """
                Exactly one of --pyspark or --spec. Arguments for the driver follow `--`, as for `job submit`. The region is the \
                entity's dataproc.googleapis.com/serverless-region annotation, else its dataproc.googleapis.com/region. Exit 7 when \
                the batch waits for a person's approval.

                EXAMPLES:
                  gatehouse batch submit engagement-reports --pyspark gs://b/main.py -- --day 2026-11-23
                  gatehouse batch submit engagement-reports --pyspark gs://b/main.py --runtime-version 2.2 --property spark.executor.instances=2
                  gatehouse batch submit engagement-reports --spec batch.json --json
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref, e.g. component:default/engagement-reports", completion: DynamicCompletion.entities()) var entity: String
        @Option(help: "PySpark driver, e.g. gs://bucket/main.py") var pyspark: String?
        @Option(help: "A file holding a Dataproc Batch object (JSON), e.g. {\"pysparkBatch\": {...}}") var spec: String?
        @Option(name: .customLong("runtime-version"), help: "Serverless runtime version, e.g. 2.2") var runtimeVersion: String?
        @Option(help: "Spark property KEY=VALUE (runtimeConfig.properties), repeatable") var property: [String] = []
        @Option(help: "Batch label KEY=VALUE, repeatable") var label: [String] = []
        @Argument(parsing: .postTerminator, help: "Arguments passed to the driver, after `--`") var args: [String] = []

        func run() throws {
            let answer = try global.call("batch.submit", ["entity": .string(entity), "batch": try batch()], entity: entity)
            if global.json {
                Output.json(answer)
                if answer["approvalId"]?.stringValue != nil { throw CLIExit(code: .awaitingApproval) }
                return
            }
            print(
                "\(Output.cell(answer["batchId"])) \(Output.cell(answer["state"])) for \(Output.cell(answer["entity"])) on \(Output.cell(answer["project"]))/\(Output.cell(answer["region"])) (serverless)"
            )
            if let approval = answer["approvalId"]?.stringValue {
                print(
                    "waits for approval \(approval) (expires \(Output.cell(answer["expiresAt"]))); a person runs `gatehouse approval approve \(approval)`"
                )
                throw CLIExit(code: .awaitingApproval)
            }
            print("follow it with `gatehouse batch watch \(Output.cell(answer["batchId"]))`")
        }

        /// The `Batch` object from the flags.
        func batch() throws -> JSONValue {
            guard (pyspark == nil) != (spec == nil) else { throw CLIFailure("give exactly one of --pyspark or --spec", code: .usage) }
            var members: [String: JSONValue] = [:]
            if let path = spec {
                guard let data = FileManager.default.contents(atPath: path), case .object(let object)? = try? JSONParser.parse(data) else {
                    throw CLIFailure(
                        "\(path) is not a JSON object (a Dataproc Batch, e.g. {\"pysparkBatch\": {\"mainPythonFileUri\": \"gs://…\"}})", code: .usage)
                }
                members = object
            }
            if let main = pyspark {
                var workload: [String: JSONValue] = ["mainPythonFileUri": .string(main)]
                if !args.isEmpty { workload["args"] = .array(args.map(JSONValue.string)) }
                members["pysparkBatch"] = .object(workload)
            } else if !args.isEmpty {
                throw CLIFailure("driver arguments (after --) go into the spec file with --spec", code: .usage)
            }
            var runtime = members["runtimeConfig"]?.objectValue ?? [:]
            if let runtimeVersion { runtime["version"] = .string(runtimeVersion) }
            let properties = try Self.pairs(property, flag: "--property")
            if !properties.isEmpty { runtime["properties"] = .object((runtime["properties"]?.objectValue ?? [:]).merging(properties) { $1 }) }
            if !runtime.isEmpty { members["runtimeConfig"] = .object(runtime) }
            let labels = try Self.pairs(label, flag: "--label")
            if !labels.isEmpty { members["labels"] = .object((members["labels"]?.objectValue ?? [:]).merging(labels) { $1 }) }
            return .object(members)
        }

        private static func pairs(_ items: [String], flag: String) throws -> [String: JSONValue] {
            var result: [String: JSONValue] = [:]
            for item in items {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw CLIFailure("\(flag) takes KEY=VALUE, not \(item)", code: .usage) }
                result[parts[0]] = .string(parts[1])
            }
            return result
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "Your batches, newest first (or an entity's, or all with --all).",
            discussion: """
                EXAMPLES:
                  gatehouse batch ls
                  gatehouse batch ls --state running --all
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this entity's batches") var entity: String?
        @Option(name: [.customShort("s"), .long], help: "Only batches in this state (QUEUED, RUNNING, SUCCEEDED, …)") var state: String?
        @Flag(help: "Every batch in this daemon, not only yours") var all = false
        @Option(name: [.customShort("L"), .long], help: "At most this many, newest first.") var limit: Int = 50
        func run() throws {
            var params: [String: JSONValue] = ["mine": .bool(!all && entity == nil), "limit": .int(Int64(limit))]
            if let entity { params["entity"] = .string(entity) }
            if let state { params["state"] = .string(state.uppercased()) }
            let answer = try global.call("batch.list", .object(params))
            if global.json { return Output.json(answer) }
            let rows = (answer["batches"]?.arrayValue ?? []).map { batch in
                [
                    Output.cell(batch["batchId"]), Output.cell(batch["state"]), Output.shortRef(Output.cell(batch["entity"])),
                    Output.cell(batch["workload"]), Output.relative(batch["createdAt"]?.stringValue),
                ]
            }
            guard !rows.isEmpty else {
                return print("no batches" + (all ? "" : entity == nil ? " of yours (--all for everyone's)" : " for \(entity ?? "")"))
            }
            Output.table(["BATCH", "STATE", "ENTITY", "WORKLOAD", "CREATED"], rows)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A batch, its state history and its last error.",
            discussion: """
                EXAMPLES:
                  gatehouse batch show gh-0193…
                  gatehouse batch show gh-0193… --json
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id (from `gatehouse batch ls`).", completion: DynamicCompletion.batches()) var id: String
        func run() throws {
            let batch = try global.call("batch.show", ["batchId": .string(id)])
            if global.json { return Output.json(batch) }
            Output.line("\(Output.cell(batch["batchId"]))  \(Output.cell(batch["state"]))")
            var view = KeyValueView()
            var rows = [
                ("  workload", Output.cell(batch["workload"])), ("  entity", Output.cell(batch["entity"])),
                ("  where", "\(Output.cell(batch["project"]))/\(Output.cell(batch["region"])) (serverless)"),
                ("  by", Output.cell(batch["principal"])),
            ]
            if let output = batch["outputUri"]?.stringValue { rows.append(("  output", TerminalText.sanitized(output))) }
            if let detail = batch["detail"]?.stringValue { rows.append(("  detail", TerminalText.sanitized(detail))) }
            if let error = batch["lastError"]?.stringValue, JobCommand.waiting(batch["state"]) {
                rows.append(("  last error", TerminalText.sanitized(error)))
            }
            view.add(nil, rows: rows)
            view.print()
            for step in batch["transitions"]?.arrayValue ?? [] {
                Output.line(
                    "  \(Output.cell(step["at"]))  \(Output.cell(step["state"]))\(step["detail"]?.stringValue.map { "  \(TerminalText.sanitized($0))" } ?? "")"
                )
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a batch: withdrawn if not sent yet, else Dataproc is asked to stop it; asks first unless --yes.",
            discussion: """
                EXAMPLES:
                  gatehouse batch cancel gh-0193…
                  gatehouse batch cancel gh-0193… --yes    # from a script
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var confirmation: ConfirmationOption
        @Argument(help: "The batch id (from `gatehouse batch ls`).", completion: DynamicCompletion.batches()) var id: String
        func run() throws {
            try BatchCommand.confirmThenCall("batch.cancel", id: id, asking: "cancel batch \(id)", answer: "cancel", global, confirmation)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an ended batch at Dataproc (its local record stays); asks first unless --yes.",
            discussion: """
                EXAMPLES:
                  gatehouse batch delete gh-0193… --yes
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var confirmation: ConfirmationOption
        @Argument(help: "The batch id (from `gatehouse batch ls`).", completion: DynamicCompletion.batches()) var id: String
        func run() throws {
            try BatchCommand.confirmThenCall("batch.delete", id: id, asking: "delete batch \(id) at Dataproc", answer: "delete", global, confirmation)
        }
    }

    /// Cancel and delete: shows the batch and asks first (unless --yes), then calls `method` and prints its `answer` member.
    static func confirmThenCall(
        _ method: String, id: String, asking question: String, answer key: String, _ global: GlobalOptions, _ confirmation: ConfirmationOption
    ) throws {
        if !confirmation.yes {
            let batch = try global.call("batch.show", ["batchId": .string(id)])
            FileHandle.standardErrorLine("\(Output.cell(batch["batchId"]))  \(Output.cell(batch["state"]))  for \(Output.cell(batch["entity"]))")
            try confirmation.confirm(question)
        }
        let answer = try global.call(method, ["batchId": .string(id)])
        if global.json { return Output.json(answer) }
        print("\(id): \(Output.cell(answer[key]))")
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a batch until it ends (exit 1 unless it ends SUCCEEDED).",
            discussion: """
                EXAMPLES:
                  gatehouse batch watch gh-0193…
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id (from `gatehouse batch ls`).", completion: DynamicCompletion.batches()) var id: String
        func run() throws {
            let client = try global.connect()
            let progress = ProgressLine(jobID: id, live: !global.json && Terminal.liveProgress)
            client.onNotification = { message in
                guard let params = message["params"] else { return }
                if global.json { return Output.jsonLine(params) }
                progress.update(state: Output.cell(params["state"]), detail: params["detail"]?.stringValue)
            }
            progress.start()
            let final: JSONValue
            do { final = try client.call("batch.watch", params: ["batchId": .string(id)]) } catch {
                progress.stop()
                throw CLIFailure(error)
            }
            progress.stop()
            let state = Output.cell(final["state"])
            if !global.json { print("\(id) ended \(state)\(final["detail"]?.stringValue.map { ": \($0)" } ?? "")") }
            if state != "SUCCEEDED" { throw CLIFailure("batch \(id) ended \(state)") }
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a batch's driver output; with --follow, as it is written, until the batch ends.",
            discussion: """
                --json prints each chunk {batchId, chunk, text} on a line, then the answer with nextChunk: pass it to --from-chunk \
                to go on where a run stopped.

                EXAMPLES:
                  gatehouse batch logs gh-0193…
                  gatehouse batch logs gh-0193… --follow
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id (from `gatehouse batch ls`).", completion: DynamicCompletion.batches()) var id: String
        @Flag(help: "Keep printing new output until the batch ends.") var follow = false
        @Option(name: .customLong("from-chunk"), help: "Start at this output chunk (an earlier run's nextChunk).") var fromChunk: Int?
        func run() throws {
            let client = try global.connect()
            client.onNotification = { message in
                guard message["method"] == "batch.logs", let params = message["params"] else { return }
                if global.json { return Output.jsonLine(params) }
                // The driver's own bytes, unchanged.
                FileHandle.standardOutput.write(Data((params["text"]?.stringValue ?? "").utf8))
            }
            let params: JSONValue = ["batchId": .string(id), "follow": .bool(follow), "fromChunk": .int(Int64(max(fromChunk ?? 0, 0)))]
            let final: JSONValue
            do { final = try client.call("batch.logs", params: params) } catch { throw CLIFailure(error) }
            if global.json { Output.json(final) }
        }
    }
}
