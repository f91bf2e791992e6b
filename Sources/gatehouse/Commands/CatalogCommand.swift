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
        static let configuration = CommandConfiguration(abstract: "Full sync from Backstage into a new snapshot, switched atomically.")
        @OptionGroup var global: GlobalOptions
        func run() throws {
            let client = try global.connect()
            client.onNotification = { message in
                // catalog.sync.progress: one line per page, overwritten in place.
                guard !global.json, let progress = message["params"] else { return }
                let rate = Int(progress["entitiesPerSecond"]?.doubleValue ?? 0)
                let eta = progress["etaSeconds"]?.doubleValue.map { String(format: "%.1f s", $0) } ?? "?"
                print("\rsynced \(Output.cell(progress["entities"])) of \(Output.cell(progress["totalItems"])) entities, \(rate)/s, ETA \(eta)   ", terminator: "")
            }
            let result: JSONValue
            do { result = try client.call("catalog.sync") } catch { throw CLIFailure(error) }
            if !global.json { print("") }
            Output.json(result)
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One entity by ref (kind:namespace/name; a bare name is a component).")
        @OptionGroup var global: GlobalOptions
        @Argument var ref: String
        func run() throws { Output.json(try global.call("catalog.get", ["ref": .string(ref)])) }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entities by kind, owner, system, lifecycle and text.")
        @OptionGroup var global: GlobalOptions
        @Option var kind: String?
        @Option var owner: String?
        @Option var system: String?
        @Option var lifecycle: String?
        @Option(help: "Words in name, title or description.") var text: String?
        @Option var limit: Int?
        func run() throws {
            var params: [String: JSONValue] = [:]
            for (key, value) in [("kind", kind), ("owner", owner), ("system", system), ("lifecycle", lifecycle), ("text", text)] {
                if let value { params[key] = .string(value) }
            }
            if let limit { params["limit"] = .int(Int64(limit)) }
            Output.json(try global.call("catalog.search", .object(params)))
        }
    }

    struct Mine: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the signed-in person (or --as USER) owns, directly or through nested groups.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("as"), help: "Ask for another user (e.g. alice).") var user: String?
        func run() throws {
            let answer = try global.call("catalog.mine", user.map { ["as": .string($0)] } ?? [:])
            if global.json { return Output.json(answer) }
            let rows = (answer["entities"]?.arrayValue ?? []).map { owned -> [String] in
                let entity = owned["entity"]
                return [
                    owned["ref"]?.stringValue ?? "?", entity?["lifecycle"]?.stringValue ?? "-", owned["via"]?.stringValue ?? "-",
                    entity?["description"]?.stringValue ?? "",
                ]
            }
            Output.table(["ENTITY", "LIFECYCLE", "OWNED VIA", "DESCRIPTION"], rows)
        }
    }

    struct Owners: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who owns an entity, through the group hierarchy.")
        @OptionGroup var global: GlobalOptions
        @Argument var ref: String
        func run() throws { Output.json(try global.call("catalog.owners", ["ref": .string(ref)])) }
    }

    struct CatalogStatus: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "The current snapshot, its age and the last sync.")
        @OptionGroup var global: GlobalOptions
        func run() throws { Output.json(try global.call("catalog.status")) }
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
        @Argument(help: "Entity ref, e.g. component:default/artist-lookup") var entity: String

        var params: JSONValue {
            var members: [String: JSONValue] = ["action": .string(action), "entity": .string(entity)]
            if let user { members["as"] = .string(user) }
            return .object(members)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The decision and the rule; exit 4 when denied.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var question: Question
        func run() throws {
            let decision = try global.call("policy.check", question.params)
            if global.json { Output.json(decision) } else {
                print("\(Output.cell(decision["decision"])) (rule \(Output.cell(decision["rule"]))): \(Output.cell(decision["reason"]))")
            }
            if decision["decision"] == "deny" { throw CLIFailure("denied", code: .denied) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The decision with its chain of facts: memberships, ownership edge, rule.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var question: Question
        func run() throws {
            let explanation = try global.call("policy.explain", question.params)
            if global.json { return Output.json(explanation) }
            let decision = explanation["decision"]
            print("\(Output.cell(decision?["decision"])) (rule \(Output.cell(decision?["rule"]))): \(Output.cell(decision?["reason"]))")
            for fact in explanation["facts"]?.arrayValue ?? [] { print("  · \(Output.cell(fact))") }
        }
    }
}
