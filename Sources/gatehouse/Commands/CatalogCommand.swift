import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC

/// `gatehouse catalog`: the offline Backstage mirror.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Sync and read the local mirror of the Backstage catalog (reads work offline).",
        subcommands: [Sync.self, Get.self, Search.self, Mine.self, Owners.self, CatalogStatus.self])

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Full sync from Backstage into a new snapshot, switched atomically.",
            discussion: """
                On a terminal a live progress line is drawn on stderr; piped, only the final line is printed.

                EXAMPLES:
                  gatehouse catalog sync
                  gatehouse catalog sync --json | jq .entities
                """)
        @OptionGroup var global: GlobalOptions
        func run() throws {
            let client = try global.connect()
            let live = !global.json && Terminal.liveProgress
            client.onNotification = { message in
                // catalog.sync.progress: one line per page, redrawn in place on stderr (unbuffered), only on a terminal.
                guard live, let progress = message["params"] else { return }
                let rate = Int(progress["entitiesPerSecond"]?.doubleValue ?? 0)
                let eta = progress["etaSeconds"]?.doubleValue.map { Output.duration(seconds: $0) } ?? "?"
                let line = "synced \(Output.cell(progress["entities"])) of \(Output.cell(progress["totalItems"])) entities, \(rate)/s, ETA \(eta)"
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            }
            let result: JSONValue
            do { result = try client.call("catalog.sync") } catch {
                if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                throw CLIFailure(error)
            }
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if global.json { return Output.json(result) }
            let elapsed = Output.duration(seconds: result["elapsedSeconds"]?.doubleValue ?? 0)
            print(
                "synced \(Output.cell(result["entities"])) entities and \(Output.cell(result["relations"])) relations in \(elapsed); snapshot \(Output.cell(result["snapshotAt"]))"
            )
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "One entity by ref (kind:namespace/name; a bare name is a component).",
            discussion: """
                EXAMPLES:
                  gatehouse catalog show artist-lookup
                  gatehouse catalog show system:default/analytics --json
                """,
            aliases: ["get"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref: kind:namespace/name, or a bare component name.", completion: DynamicCompletion.entities()) var ref: String
        func run() throws {
            let answer = try global.call("catalog.get", ["ref": .string(ref)], entity: ref)
            if global.json { return Output.json(answer) }
            var entity = answer["entity"]?.objectValue ?? [:]
            let annotations = entity.removeValue(forKey: "annotations")?.objectValue ?? [:]
            let labels = entity.removeValue(forKey: "labels")?.objectValue ?? [:]
            entity["snapshotAt"] = answer["snapshotAt"]
            var view = KeyValueView()
            view.add(nil, entity)
            if !labels.isEmpty { view.add("labels", rows: labels.sorted { $0.key < $1.key }.map { ($0.key, Output.cell($0.value)) }) }
            if !annotations.isEmpty { view.add("annotations", rows: annotations.sorted { $0.key < $1.key }.map { ($0.key, Output.cell($0.value)) }) }
            view.print()
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entities by kind, owner, system, lifecycle and text.",
            discussion: """
                EXAMPLES:
                  gatehouse catalog search --kind component --owner group:default/data-eng
                  gatehouse catalog search --text lookup --limit 20
                """,
            aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this kind (component, api, system, group, user, …).") var kind: String?
        @Option(help: "Only entities whose spec.owner is this ref (e.g. group:default/data-eng).") var owner: String?
        @Option(help: "Only entities of this system.") var system: String?
        @Option(help: "Only this lifecycle (production, experimental, …).") var lifecycle: String?
        @Option(help: "Words in name, title or description.") var text: String?
        @Option(name: [.customShort("L"), .long], help: "At most this many entities (1-1000).") var limit: Int?
        func run() throws {
            var params: [String: JSONValue] = [:]
            for (key, value) in [("kind", kind), ("owner", owner), ("system", system), ("lifecycle", lifecycle), ("text", text)] {
                if let value { params[key] = .string(value) }
            }
            if let limit { params["limit"] = .int(Int64(limit)) }
            let answer = try global.call("catalog.search", .object(params))
            if global.json { return Output.json(answer) }
            let entities = answer["entities"]?.arrayValue ?? []
            guard !entities.isEmpty else { return print("no entities match") }
            Output.table(
                ["ENTITY", "OWNER", "LIFECYCLE", "DESCRIPTION"],
                entities.map { entity in
                    [entity["ref"], entity["owner"], entity["lifecycle"], entity["description"]].map(Output.cell)
                })
        }
    }

    struct Mine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the signed-in person (or --as USER) owns, directly or through nested groups.",
            discussion: """
                Exit 6 when --as names nobody in the catalog.

                EXAMPLES:
                  gatehouse catalog mine
                  gatehouse catalog mine --as alice
                """)
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("as"), help: "Ask for another user (e.g. alice).") var user: String?
        func run() throws {
            let answer = try global.call("catalog.mine", user.map { ["as": .string($0)] } ?? [:])
            if let user, answer["user"] == nil || answer["user"] == .null {
                throw CLIFailure("no user \(user) in the catalog snapshot", code: .notFound, reason: "unknown_user", extra: ["user": .string(user)])
            }
            if global.json { return Output.json(answer) }
            let rows = (answer["entities"]?.arrayValue ?? []).map { owned -> [String] in
                let entity = owned["entity"]
                return [Output.cell(owned["ref"]), Output.cell(entity?["lifecycle"]), Output.cell(owned["via"]), Output.cell(entity?["description"])]
            }
            guard !rows.isEmpty else { return print("\(Output.cell(answer["user"])) owns nothing in the catalog snapshot") }
            Output.table(["ENTITY", "LIFECYCLE", "OWNED VIA", "DESCRIPTION"], rows)
        }
    }

    struct Owners: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who owns an entity, through the group hierarchy.",
            discussion: """
                EXAMPLES:
                  gatehouse catalog owners artist-lookup
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref: kind:namespace/name, or a bare component name.", completion: DynamicCompletion.entities()) var ref: String
        func run() throws {
            let answer = try global.call("catalog.owners", ["ref": .string(ref)], entity: ref)
            if global.json { return Output.json(answer) }
            var view = KeyValueView()
            view.add(
                nil,
                rows: [
                    ("entity", Output.cell(answer["entity"])), ("owner", Output.cell(answer["owner"])),
                    ("snapshot at", Output.cell(answer["snapshotAt"])),
                ])
            let groups = (answer["groups"]?.arrayValue ?? []).map { group in
                (
                    String(repeating: "  ", count: Int(group["depth"]?.intValue ?? 0)) + Output.cell(group["group"]),
                    group["depth"] == 0 ? "owner" : "nested"
                )
            }
            if !groups.isEmpty { view.add("groups", rows: groups) }
            let users = (answer["users"]?.arrayValue ?? []).map { (Output.cell($0), "") }
            if !users.isEmpty { view.add(answer["truncated"] == true ? "users (first \(users.count))" : "users", rows: users) }
            view.print()
        }
    }

    struct CatalogStatus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "The current snapshot, its age and the last sync.",
            discussion: """
                EXAMPLES:
                  gatehouse catalog status
                """)
        @OptionGroup var global: GlobalOptions
        func run() throws {
            let answer = try global.call("catalog.status")
            if global.json { return Output.json(answer) }
            var view = KeyValueView()
            var top: [String: JSONValue] = [:]
            for (key, value) in answer.objectValue ?? [:] {
                if let nested = value.objectValue { view.add(KeyValueView.words(key), nested) } else { top[key] = value }
            }
            var all = KeyValueView()
            all.add(nil, top)
            all.append(view)
            all.print()
        }
    }
}

/// `gatehouse policy`: ask the policy, and see why.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check or explain a policy decision.", subcommands: [Check.self, Explain.self])

    /// The question both subcommands ask.
    struct Question: ParsableArguments {
        @Option(name: .customLong("as"), help: "The user to ask for (default: the signed-in person).") var user: String?
        @Argument(help: "catalog.read, dashboard.view, job.submit, job.cancel, job.view, token.get, audit.read, cluster.create, cluster.delete")
        var action: String
        @Argument(help: "Entity ref, e.g. component:default/artist-lookup", completion: DynamicCompletion.entities()) var entity: String

        /// The actions policy knows, for "did you mean".
        static let actions = [
            "catalog.read", "dashboard.view", "job.submit", "job.cancel", "job.view", "token.get", "audit.read", "cluster.create", "cluster.delete",
        ]

        /// An unknown action is a usage error (exit 2) and an unknown entity a not-found (exit 6), each with the nearest name.
        func reject(_ rule: JSONValue?, global: GlobalOptions) throws {
            if rule == "unknown-action" {
                let nearest = NearestName.closest(to: action, in: Self.actions)
                throw CLIFailure(
                    "unknown action \(action)" + (nearest.map { "; did you mean \($0)?" } ?? "; one of \(Self.actions.joined(separator: ", "))"),
                    code: .usage, reason: "unknown_action", extra: ["action": .string(action), "didYouMean": nearest.map(JSONValue.string) ?? .null])
            }
            if rule == "unknown-entity" {
                throw EntitySuggestion.enrich(
                    CLIFailure(
                        "\(entity) is not in the catalog snapshot", code: .notFound, reason: "unknown_entity", extra: ["entity": .string(entity)]),
                    ref: entity, global: global)
            }
        }

        var params: JSONValue {
            var members: [String: JSONValue] = ["action": .string(action), "entity": .string(entity)]
            if let user { members["as"] = .string(user) }
            return .object(members)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The decision and the rule; exit 4 when denied.",
            discussion: """
                EXAMPLES:
                  gatehouse policy check job.submit artist-lookup
                  gatehouse policy check dashboard.view ledger-close --as bob
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var question: Question
        func run() throws {
            let decision = try global.call("policy.check", question.params)
            try question.reject(decision["rule"], global: global)
            if global.json {
                Output.json(decision)
            } else {
                Output.wrapped("\(Output.cell(decision["decision"])) (rule \(Output.cell(decision["rule"]))): \(Output.cell(decision["reason"]))")
            }
            // The decision is the output (printed above); the exit code says it once more for scripts.
            if decision["decision"] == "deny" { throw CLIExit(code: .denied) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The decision with its chain of facts: memberships, ownership edge, rule.",
            discussion: """
                EXAMPLES:
                  gatehouse policy explain dashboard.view artist-lookup --as alice
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var question: Question
        func run() throws {
            let explanation = try global.call("policy.explain", question.params)
            try question.reject(explanation["decision"]?["rule"], global: global)
            if global.json { return Output.json(explanation) }
            let decision = explanation["decision"]
            Output.wrapped("\(Output.cell(decision?["decision"])) (rule \(Output.cell(decision?["rule"]))): \(Output.cell(decision?["reason"]))")
            for fact in explanation["facts"]?.arrayValue ?? [] {
                Output.wrapped(Output.cell(fact), first: "  \(Terminal.symbol("·", "-")) ", rest: "    ")
            }
        }
    }
}
