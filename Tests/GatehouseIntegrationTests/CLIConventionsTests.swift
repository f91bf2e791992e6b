import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// The CLI's conventions through the real binaries: one meaning per exit code, `--json` for success
/// and error, output that fits 80 columns on a terminal, did-you-mean for unknown names, and the
/// daemon holding params to the schemas `system.methods` advertises.
@Suite("CLI conventions", .serialized, .timeLimit(.minutes(6)))  // a hang fails, named, instead of stalling CI
struct CLIConventionsTests {
    /// Every data command a person runs, for the width and JSON checks (`ID` is replaced by a real id).
    static func dataCommands(job: String, approval: String) -> [[String]] {
        [
            ["status"], ["version"], ["auth", "status"], ["config", "show"], ["catalog", "status"],
            ["catalog", "search", "--limit", "50"], ["catalog", "mine"], ["catalog", "show", "artist-lookup"],
            ["catalog", "owners", "artist-lookup"], ["policy", "explain", "job.submit", "artist-lookup", "--as", "alice"],
            ["approval", "ls"], ["approval", "ls", "--state", "all"], ["approvals"], ["job", "ls"], ["job", "show", job],
            ["cluster", "ls"], ["audit", "query", "--limit", "20"], ["doctor"],
        ]
    }

    @Test func exitCodesJSONAndWidthOnARealSession() async throws {
        try await OversightJobEnvironment.with(approvalTTLSeconds: 600) { jobs in
            let daemon = jobs.daemon
            // 7: a production job from a script waits for a person.
            let held = try OversightTests.withoutTerminal(
                daemon,
                [
                    "job", "submit", OversightJobTests.production, "--pyspark", "gs://b/nightly.py", "--json", "--", "--day", "2026-11-23",
                ])
            #expect(held.status == 7, "waiting for approval exits 7: \(held.stdout) \(held.stderr)")
            let heldAnswer = try Self.json(held.stdout)
            let approval = try #require(heldAnswer["approvalId"]?.stringValue)
            let job = try #require(heldAnswer["jobId"]?.stringValue)
            let commands = Self.dataCommands(job: job, approval: approval)

            // Every list/show command at 80 columns on a pseudo-terminal: no line wider.
            for command in commands {
                let shown = try Self.atColumns(80, daemon, command)
                #expect(shown.status == 0, "\(command): \(shown.stdout) \(shown.stderr)")
                for line in Self.lines(shown.stdout) {
                    #expect(line.count <= 80, "\(command.joined(separator: " ")) printed \(line.count) columns:\n\(line)")
                }
                #expect(!shown.stdout.contains("{\""), "\(command): raw JSON for people:\n\(shown.stdout)")
            }
            // ...and the same with --json parses.
            for command in commands {
                let answer = try daemon.cli(command + ["--json"])
                #expect(answer.status == 0, "\(command): \(answer.stderr)")
                #expect((try? Self.json(answer.stdout)) != nil, "\(command) --json is not JSON:\n\(answer.stdout)")
            }
            // Dynamic completion (what the generated shell scripts ask for): entity names and job ids from the daemon.
            let entities = try daemon.cli(["---completion", "catalog", "show", "--", "positional@0", "3", "3", "gatehouse", "catalog", "show", "art"])
            #expect(entities.stdout.split(separator: "\n").contains("artist-lookup"), "\(entities.stdout) \(entities.stderr)")
            let jobIDs = try daemon.cli(["---completion", "job", "show", "--", "positional@0", "3", "0", "gatehouse", "job", "show", ""])
            #expect(jobIDs.stdout.contains(job), "\(jobIDs.stdout) \(jobIDs.stderr)")
            // catalog sync into a pipe: one plain final line, no progress redraws anywhere.
            let synced = try daemon.cli(["catalog", "sync"])
            #expect(synced.status == 0, "\(synced.stderr)")
            #expect(synced.stdout.hasPrefix("synced ") && Self.lines(synced.stdout).filter { !$0.isEmpty }.count == 1, "\(synced.stdout)")
            #expect(!synced.stdout.contains("\r") && !synced.stderr.contains("\r"), "no carriage returns into pipes")
            // A non-UTF-8 locale gets no Unicode decoration.
            let plain = try Self.atColumns(80, daemon, ["approval", "ls"], locale: "C")
            #expect(!plain.stdout.contains("…") && !plain.stdout.contains("←"), "\(plain.stdout)")

            // Errors: each exit code, with --json an error object carrying code, message and data.reason.
            let cases: [(arguments: [String], code: Int32, reason: String)] = [
                (["job", "show", "job-nope"], 6, "unknown_job"),
                (["catalog", "show", "artst-lookup"], 6, "not_found"),
                (["job", "submit", "no-such-service", "--pyspark", "gs://b/x.py"], 6, "unknown_entity"),
                (["policy", "check", "job.sbumit", "artist-lookup"], 2, "unknown_action"),
                (["catalog", "mine", "--as", "nobody"], 6, "unknown_user"),
                (["job", "ls", "--no-such-flag"], 2, "usage"),
                (["call", "system.pnig"], 2, "method_not_found"),
                (["call", "audit.query", "{\"limit\": 5000}"], 2, "invalid_params"),
                (["call", "audit.query", "{\"limt\": 5}"], 2, "invalid_params"),
                (["call", "audit.query", "{\n  \"limit\": 5,\n  oops\n}"], 2, "parse_error"),
                (["cluster", "delete", "gh-nope"], 6, "unknown_cluster"),
            ]
            for (arguments, code, reason) in cases {
                let human = try daemon.cli(arguments)
                #expect(human.status == code, "\(arguments) exited \(human.status), not \(code): \(human.stderr)")
                let machine = try daemon.cli(arguments + ["--json"])
                #expect(machine.status == code, "\(arguments) --json exited \(machine.status)")
                let error = try Self.json(machine.stdout)
                #expect(error["error"]?["code"]?.intValue != nil && error["error"]?["message"]?.stringValue != nil, "\(machine.stdout)")
                #expect(error["error"]?["data"]?["reason"] == .string(reason), "\(arguments): \(machine.stdout)")
                #expect(error["exitCode"] == .int(Int64(code)))
            }
            // 4: an approver the daemon will not take (a script) is denied, with --json an error object.
            let refused = try OversightTests.withoutTerminal(daemon, ["approval", "approve", approval, "--json"])
            #expect(refused.status == 4, "\(refused.stdout) \(refused.stderr)")
            let refusal = try Self.json(refused.stdout)
            #expect(refusal["error"]?["data"]?["reason"] == "approver_not_interactive" && refusal["exitCode"] == 4, "\(refused.stdout)")
            // A policy question answered "deny" prints the decision (it is the data asked for) and exits 4.
            let denied = try daemon.cli(["policy", "check", "job.submit", "artist-lookup", "--as", "bob", "--json"])
            let decision = try Self.json(denied.stdout)
            #expect(denied.status == 4 && decision["decision"] == "deny", "\(denied.stdout)")
            // The nearest names are suggested.
            #expect(try daemon.cli(["catalog", "show", "artst-lookup"]).stderr.contains("did you mean artist-lookup?"))
            #expect(try daemon.cli(["policy", "check", "job.sbumit", "artist-lookup"]).stderr.contains("did you mean job.submit?"))
            let method = try Self.json(try daemon.cli(["call", "system.pnig", "--json"]).stdout)
            #expect(method["error"]?["data"]?["didYouMean"] == "system.ping" && method["error"]?["data"]?["method"] == "system.pnig")
            let range = try Self.json(try daemon.cli(["call", "audit.query", "{\"limit\": 5000}", "--json"]).stdout)
            #expect(range["error"]?["code"] == -32602 && range["error"]?["data"]?["field"] == "params.limit", "\(range)")
            let unknown = try daemon.cli(["call", "audit.query", "{\"limt\": 5}"])
            #expect(unknown.stderr.contains("params.limt") && unknown.stderr.contains("did you mean limit?"), "\(unknown.stderr)")
            let malformed = try daemon.cli(["call", "audit.query", "{\n  \"limit\": 5,\n  oops\n}"])
            #expect(malformed.stderr.contains("line 3, column 3"), "\(malformed.stderr)")

            // Approving what was cancelled meanwhile says so.
            let cancelled = try daemon.cli(["job", "cancel", job])
            #expect(cancelled.status == 0, "\(cancelled.stderr)")
            let late = try OversightTests.underPseudoTerminal(daemon, ["approval", "approve", approval])
            #expect(late.status == 0 && late.stdout.contains("note: job \(job) was already CANCELLED"), "\(late.stdout) \(late.stderr)")

            // 5: signed out (keeping clusters, none here), then anything that needs a person.
            let out = try daemon.cli(["logout", "--keep-clusters"])
            #expect(out.status == 0 && out.stdout.contains("keep running until their auto-delete TTL"), "\(out.stdout) \(out.stderr)")
            let mine = try daemon.cli(["catalog", "mine", "--json"])
            #expect(mine.status == 5, "not signed in exits 5: \(mine.stdout)")
            #expect(try Self.json(mine.stdout)["error"]?["data"]?["reason"] == "not_signed_in")
        }
    }

    @Test func daemonDownIsThreeAndJSON() async throws {
        let daemon = try TestDaemon()
        let down = try daemon.cli(["status", "--json"])
        #expect(down.status == 3)
        let error = try Self.json(down.stdout)
        #expect(error["error"]?["data"]?["reason"] == "daemon_unreachable" && error["exitCode"] == 3, "\(down.stdout)")
        // Options only where they act: --db is not a status option any more.
        #expect(try daemon.cli(["status", "--db", "/tmp/x.db"]).status == 2)
        // Help documents the exit codes once, at the root.
        let help = try daemon.cli(["--help"])
        for code in 0...7 { #expect(help.stdout.contains("\n  \(code)  "), "exit \(code) is not in --help") }
    }

    @Test func configDiscoveryHonoursXDGConfigHome() async throws {
        try await withTemporaryDirectory { url in
            let directory = url.path
            try FileManager.default.createDirectory(atPath: directory + "/xdg/gatehouse", withIntermediateDirectories: true)
            try "socket: \(directory)/custom.sock\n".write(toFile: directory + "/xdg/gatehouse/config.yaml", atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") }
            environment["XDG_CONFIG_HOME"] = directory + "/xdg"
            let shown = try TestDaemon.run(BuiltProducts.path("gatehouse"), ["config", "show", "--json"], environment: environment)
            #expect(shown.status == 0, "\(shown.stderr)")
            let answer = try Self.json(shown.stdout)
            #expect(answer["file"] == .string(directory + "/xdg/gatehouse/config.yaml"))
            #expect(answer["socket"] == .string(directory + "/custom.sock"))
            let human = try TestDaemon.run(BuiltProducts.path("gatehouse"), ["config", "show"], environment: environment)
            #expect(human.stdout.contains("file") && human.stdout.contains(directory + "/xdg/gatehouse/config.yaml"), "\(human.stdout)")
        }
    }

    @Test func completionAndHelpConventions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try TestDaemon.run(BuiltProducts.path("gatehouse"), ["completion", shell])
            #expect(script.status == 0 && script.stdout.contains("gatehouse"), "\(shell): \(script.stderr)")
        }
        #expect(try TestDaemon.run(BuiltProducts.path("gatehouse"), ["completion", "bsh"]).stderr.contains("did you mean bash?"))
        // Old spellings still work as aliases; each command's help has examples.
        for arguments in [["approvals", "--help"], ["approve", "--help"], ["job", "status", "--help"], ["catalog", "get", "--help"]] {
            #expect(try TestDaemon.run(BuiltProducts.path("gatehouse"), arguments).status == 0, "\(arguments)")
        }
        for command in Self.allCommandPaths() {
            let help = try TestDaemon.run(BuiltProducts.path("gatehouse"), command + ["--help"])
            #expect(help.stdout.contains("EXAMPLES:"), "`gatehouse \(command.joined(separator: " ")) --help` has no EXAMPLES")
        }
    }

    /// Every leaf command, as in the root help tree.
    static func allCommandPaths() -> [[String]] {
        [
            ["serve"], ["status"], ["version"], ["call"], ["audit", "query"], ["audit", "verify"], ["audit", "export"], ["config", "keys"],
            ["config", "show"], ["login"], ["logout"], ["token", "print"], ["auth", "status"], ["catalog", "sync"], ["catalog", "show"],
            ["catalog", "search"], ["catalog", "mine"], ["catalog", "owners"], ["catalog", "status"], ["policy", "check"], ["policy", "explain"],
            ["approval", "ls"], ["approval", "approve"], ["approval", "deny"], ["dashboard", "ls"], ["dashboard", "show"], ["dashboard", "open"],
            ["job", "submit"], ["job", "ls"], ["job", "show"], ["job", "cancel"], ["job", "watch"], ["job", "logs"], ["cluster", "create"],
            ["cluster", "ls"], ["cluster", "show"], ["cluster", "delete"], ["cluster", "extend"], ["doctor"], ["completion"],
        ]
    }

    /// `gatehouse ARGS` on a pseudo-terminal `columns` wide (util-linux `script`; COLUMNS is what the CLI reads first).
    static func atColumns(_ columns: Int, _ daemon: TestDaemon, _ arguments: [String], locale: String = "C.UTF-8") throws -> CommandResult {
        var environment = daemon.environment
        environment["COLUMNS"] = "\(columns)"
        environment["LC_ALL"] = locale
        environment["TERM"] = "xterm"
        let command = ([BuiltProducts.path("gatehouse")] + arguments).map(OversightTests.shellQuoted).joined(separator: " ")
        return try TestDaemon.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment)
    }

    /// Lines as a terminal shows them: CR LF split, colour and cursor sequences removed, redrawn lines reduced to their last draw.
    static func lines(_ output: String) -> [String] {
        output.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let last = line.split(separator: "\r").last.map(String.init) ?? ""
            return last.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        }
    }

    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
