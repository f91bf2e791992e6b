import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC

/// `gatehouse completion bash|zsh|fish`: the shell completion script, as gh prints it.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the shell completion script (bash, zsh or fish); ids and entity refs complete from the daemon.",
        discussion: """
            INSTALLING:
              bash:  gatehouse completion bash > ~/.local/share/bash-completion/completions/gatehouse
              zsh:   gatehouse completion zsh > "${fpath[1]}/_gatehouse"   # then: compinit
              fish:  gatehouse completion fish > ~/.config/fish/completions/gatehouse.fish

            EXAMPLES:
              source <(gatehouse completion bash)
            """)

    @Argument(help: "bash, zsh or fish.", completion: .list(["bash", "zsh", "fish"])) var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else {
            let nearest = NearestName.closest(to: shell, in: ["bash", "zsh", "fish"])
            throw CLIFailure("no completion for \(shell)" + (nearest.map { "; did you mean \($0)?" } ?? "; one of bash, zsh, fish"), code: .usage)
        }
        print(Gatehouse.completionScript(for: kind))
    }
}

/// Completions the shell asks the binary for while a person types: entity refs and ids, from the
/// running daemon (nothing when it is not running; a completion never prints an error).
enum DynamicCompletion {
    /// Entity refs from the local catalog snapshot.
    static func entities() -> CompletionKind {
        .custom { _, _, prefix in
            // Components of the default namespace also by bare name, as every command accepts them.
            let refs = values("catalog.search", ["limit": 1000], list: "entities", key: "ref", prefix: "")
            let names = refs.filter { $0.hasPrefix("component:default/") }.map { String($0.dropFirst("component:default/".count)) }
            return (names + refs).filter { $0.hasPrefix(prefix) }
        }
    }

    /// The person's job ids.
    static func jobs() -> CompletionKind {
        .custom { _, _, prefix in values("job.list", ["mine": true, "limit": 200], list: "jobs", key: "jobId", prefix: prefix) }
    }

    /// The person's batch ids.
    static func batches() -> CompletionKind {
        .custom { _, _, prefix in values("batch.list", ["mine": true, "limit": 200], list: "batches", key: "batchId", prefix: prefix) }
    }

    /// The person's live cluster ids.
    static func clusters() -> CompletionKind {
        .custom { _, _, prefix in values("cluster.list", ["mine": true, "live": true, "limit": 200], list: "clusters", key: "id", prefix: prefix) }
    }

    /// Pending approval ids.
    static func approvals() -> CompletionKind {
        .custom { _, _, prefix in values("approval.list", ["state": "pending"], list: "approvals", key: "id", prefix: prefix) }
    }

    private static func values(_ method: String, _ params: JSONValue, list: String, key: String, prefix: String) -> [String] {
        guard let config = try? Config.load(file: GlobalOptions.configFile(explicit: nil)),
            let client = try? RPCClient(socketPath: BrokerPaths.socket(config), timeout: .seconds(2)),
            let answer = try? client.call(method, params: params)
        else { return [] }
        return (answer[list]?.arrayValue ?? []).compactMap { $0[key]?.stringValue }.filter { $0.hasPrefix(prefix) }
    }
}
