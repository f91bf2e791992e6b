import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC
import Synchronization

/// `gatehouse cluster`: Dataproc clusters for catalog entities, created from templates and torn down for you.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Create, follow, extend and delete Dataproc clusters for catalog entities.",
        subcommands: [Create.self, List.self, Show.self, Delete.self, Extend.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a cluster for an entity and follow it until it runs (CREATING → RUNNING).",
            discussion: """
                The entity's dataproc.googleapis.com/project and /region annotations say where. Exit 0 when it runs, \
                7 when it waits for a person's approval, 1 when it ends in any other state.

                EXAMPLES:
                  gatehouse cluster create engagement-reports --template small
                  gatehouse cluster create engagement-reports --workers 4 --no-wait
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref, e.g. component:default/engagement-reports", completion: DynamicCompletion.entities()) var entity: String
        @Option(help: "Template name from clusters.templates") var template: String?
        @Option(help: "Number of primary workers (0 for single node needs the matching property via --overrides)") var workers: Int?
        @Option(help: "A file holding a partial Dataproc Cluster (JSON) to merge over the template") var overrides: String?
        @Flag(help: "Answer at once instead of following the creation") var noWait = false

        func run() throws {
            var merged: JSONValue = .object([:])
            if let path = overrides {
                guard let data = FileManager.default.contents(atPath: path), let value = try? JSONParser.parse(data),
                    value.objectValue != nil
                else {
                    throw CLIFailure(
                        "\(path) is not a JSON object (a partial Cluster, e.g. {\"config\": {\"workerConfig\": {\"numInstances\": 4}}})", code: .usage
                    )
                }
                merged = value
            }
            if let workers {
                var config = merged["config"]?.objectValue ?? [:]
                var group = config["workerConfig"]?.objectValue ?? [:]
                group["numInstances"] = .int(Int64(workers))
                config["workerConfig"] = .object(group)
                var members = merged.objectValue ?? [:]
                members["config"] = .object(config)
                merged = .object(members)
            }
            var params: [String: JSONValue] = ["entity": .string(entity), "overrides": merged]
            if let template { params["template"] = .string(template) }
            let answer = try global.call("cluster.create", .object(params), entity: entity)
            let id = Output.cell(answer["clusterId"])
            if global.json && noWait { return Output.json(answer) }
            if !global.json {
                print(
                    "\(id) \(Output.cell(answer["clusterName"])) \(Output.cell(answer["state"])) for \(Output.cell(answer["entity"])) in \(Output.cell(answer["project"]))/\(Output.cell(answer["region"]))"
                )
            }
            if let approval = answer["approvalId"]?.stringValue {
                if global.json {
                    Output.json(answer)
                } else {
                    print(
                        "waits for approval \(approval) (expires \(Output.cell(answer["expiresAt"]))); a person runs `gatehouse approval approve \(approval)`"
                    )
                }
                throw CLIExit(code: .awaitingApproval)
            }
            if noWait { return }
            try ClusterCommand.follow(id, until: ["RUNNING", "ERROR"], success: "RUNNING", global: global)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "Your clusters, newest first (or an entity's, or all with --all).",
            discussion: """
                EXAMPLES:
                  gatehouse cluster ls
                  gatehouse cluster ls --all --live
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this entity's clusters") var entity: String?
        @Flag(help: "Every cluster in this daemon, not only yours") var all = false
        @Flag(help: "Leave out deleted and never-created clusters") var live = false
        @Option(name: [.customShort("L"), .long], help: "At most this many, newest first.") var limit: Int = 50
        func run() throws {
            var params: [String: JSONValue] = ["mine": .bool(!all && entity == nil), "live": .bool(live), "limit": .int(Int64(limit))]
            if let entity { params["entity"] = .string(entity) }
            let answer = try global.call("cluster.list", .object(params))
            if global.json { return Output.json(answer) }
            let rows = (answer["clusters"]?.arrayValue ?? []).map { cluster in
                [
                    Output.cell(cluster["id"]), Output.cell(cluster["name"]), Output.cell(cluster["state"]),
                    Output.shortRef(Output.cell(cluster["entity"])), Output.cell(cluster["template"]),
                    Output.relative(cluster["createdAt"]?.stringValue),
                ]
            }
            guard !rows.isEmpty else {
                return print("no clusters" + (all ? "" : entity == nil ? " of yours (--all for everyone's)" : " for \(entity ?? "")"))
            }
            Output.table(["CLUSTER", "NAME", "STATE", "ENTITY", "TEMPLATE", "CREATED"], rows)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A cluster: state, labels, lifecycle, every state it entered and its requests.",
            discussion: """
                EXAMPLES:
                  gatehouse cluster show gh-1a2b3c
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Local cluster id (gh-…) or Dataproc name", completion: DynamicCompletion.clusters()) var id: String
        func run() throws {
            let answer = try global.call("cluster.get", ["id": .string(id)])
            if global.json { return Output.json(answer) }
            Output.line(
                "\(Output.cell(answer["id"]))  \(Output.cell(answer["name"]))  \(Output.cell(answer["state"]))\(answer["detail"]?.stringValue.map { "  (\(TerminalText.sanitized($0)))" } ?? "")"
            )
            let lifecycle = answer["lifecycleConfig"]
            var view = KeyValueView()
            view.add(
                nil,
                rows: [
                    ("entity", Output.cell(answer["entity"])), ("owner", Output.cell(answer["owner"])), ("by", Output.cell(answer["principal"])),
                    ("where", "\(Output.cell(answer["project"]))/\(Output.cell(answer["region"]))"), ("template", Output.cell(answer["template"])),
                    ("idle delete", Output.duration(lifecycle?["idleDeleteTtl"])),
                    ("auto delete", answer["autoDeleteSeconds"]?.doubleValue.map { Output.duration(seconds: $0) + " after creation" } ?? "-"),
                    ("labels", KeyValueView.text(answer["labels"] ?? .null)),
                ])
            view.print()
            let rows = (answer["transitions"]?.arrayValue ?? []).map { [$0["at"], $0["state"], $0["detail"]].map(Output.cell) }
            Output.table(["AT", "STATE", "DETAIL"], rows)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a cluster (policy cluster.delete: owners only); asks first unless --yes.",
            discussion: """
                EXAMPLES:
                  gatehouse cluster delete gh-1a2b3c
                  gatehouse cluster delete gh-1a2b3c --yes    # from a script
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var confirmation: ConfirmationOption
        @Argument(help: "Local cluster id (gh-…) or Dataproc name", completion: DynamicCompletion.clusters()) var id: String
        func run() throws {
            if !confirmation.yes {
                let cluster = try global.call("cluster.get", ["id": .string(id)])
                FileHandle.standardErrorLine(
                    "\(Output.cell(cluster["id"]))  \(Output.cell(cluster["name"]))  \(Output.cell(cluster["state"]))  for \(Output.cell(cluster["entity"]))"
                )
                try confirmation.confirm("delete cluster \(Output.cell(cluster["name"]))")
            }
            let answer = try global.call("cluster.delete", ["id": .string(id)])
            if global.json {
                Output.json(answer)
                if answer["approvalId"]?.stringValue != nil { throw CLIExit(code: .awaitingApproval) }
                return
            }
            print("\(Output.cell(answer["clusterId"])) \(Output.cell(answer["clusterName"])): \(Output.cell(answer["delete"]))")
            if let approval = answer["approvalId"]?.stringValue {
                print("a person runs `gatehouse approval approve \(approval)`")
                throw CLIExit(code: .awaitingApproval)
            }
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push a running cluster's auto-delete later (within clusters.max_auto_delete_ttl).",
            discussion: """
                EXAMPLES:
                  gatehouse cluster extend gh-1a2b3c --by 2h
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Local cluster id (gh-…) or Dataproc name", completion: DynamicCompletion.clusters()) var id: String
        @Option(help: "How much later, e.g. 30m, 2h") var by: String
        func run() throws {
            let answer = try global.call("cluster.extend", ["id": .string(id), "by": .string(by)])
            if global.json { return Output.json(answer) }
            print(
                "\(Output.cell(answer["clusterName"])) now auto-deletes \(Output.duration(answer["autoDeleteAfterCreation"])) after creation (max \(Output.duration(answer["maxAutoDeleteTtl"])))"
            )
        }
    }

    /// Follows `cluster.watch` with a live progress line until one of `until`; fails unless it ends in `success`.
    static func follow(_ id: String, until: [String], success: String, global: GlobalOptions) throws {
        let client = try global.connect()
        let progress = ProgressLine(jobID: id, live: !global.json && Terminal.liveProgress)
        let path = Mutex<[String]>([])
        client.onNotification = { message in
            guard let params = message["params"], let state = params["state"]?.stringValue else { return }
            let trail = path.withLock { seen -> String in
                if seen.last != state { seen.append(state) }
                return seen.joined(separator: Terminal.symbol(" → ", " -> "))
            }
            if global.json { Output.jsonLine(params) } else { progress.update(state: trail, detail: params["detail"]?.stringValue) }
        }
        progress.start()
        let final: JSONValue
        do {
            final = try client.call("cluster.watch", params: ["id": .string(id), "until": .array(until.map(JSONValue.string))])
        } catch {
            progress.stop()
            throw CLIFailure(error)
        }
        progress.stop()
        let state = Output.cell(final["state"])
        if global.json {
            Output.json(final)
        } else {
            print(
                "\(id) \(path.withLock { $0.joined(separator: Terminal.symbol(" → ", " -> ")) })\(final["detail"]?.stringValue.map { ": \($0)" } ?? "")"
            )
        }
        if state != success { throw CLIFailure("cluster \(id) is \(state), not \(success)") }
    }
}
