import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC
import Synchronization

/// `gatehouse job`: Dataproc jobs through the durable outbox.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Submit and follow Dataproc jobs for catalog entities (queued offline, sent exactly once).",
        subcommands: [Submit.self, List.self, JobStatus.self, Cancel.self, Watch.self, Logs.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a job for an entity; it runs on the cluster its dataproc.googleapis.com annotations name.",
            discussion: """
                Exactly one of --pyspark, --spark-class, --spark-jar, --sql, --hive or --spec. Arguments for the driver follow `--`, as with gcloud: gatehouse job submit ENTITY --pyspark gs://b/main.py --json -- --day 2026-11-23. Exit 7 when the job waits for a person's approval.

                EXAMPLES:
                  gatehouse job submit engagement-reports --pyspark gs://b/main.py -- --day 2026-11-23
                  gatehouse job submit engagement-reports --sql "SELECT 1"
                  gatehouse job submit engagement-reports --spec job.json --label team=a --json
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entity ref, e.g. component:default/engagement-reports", completion: DynamicCompletion.entities()) var entity: String
        @Option(help: "PySpark driver, e.g. gs://bucket/main.py") var pyspark: String?
        @Option(name: .customLong("spark-class"), help: "Spark main class (add its jar with --jar)") var sparkClass: String?
        @Option(name: .customLong("spark-jar"), help: "Spark main jar (gs://…)") var sparkJar: String?
        @Option(help: "A Spark SQL query") var sql: String?
        @Option(help: "A Hive query") var hive: String?
        @Option(help: "A file holding a Dataproc Job object (JSON), e.g. {\"pysparkJob\": {...}}") var spec: String?
        @Option(help: "Run on this cluster of the entity's project and region (default: its dataproc.googleapis.com/cluster)") var cluster: String?
        @Option(help: "Extra jars (gs://…), repeatable") var jar: [String] = []
        @Option(help: "Job property KEY=VALUE, repeatable") var property: [String] = []
        @Option(help: "Job label KEY=VALUE, repeatable") var label: [String] = []
        // After `--` only: a word there is never read as one of Gatehouse's own flags (`--json` stays the driver's).
        @Argument(parsing: .postTerminator, help: "Arguments passed to the driver, after `--`") var args: [String] = []

        func run() throws {
            let job = try JobSpecBuilder(submit: self).job()
            var params: [String: JSONValue] = ["entity": .string(entity), "job": job]
            if let cluster { params["cluster"] = .string(cluster) }
            let answer = try global.call("job.submit", .object(params), entity: entity)
            if global.json {
                Output.json(answer)
                if answer["approvalId"]?.stringValue != nil { throw CLIExit(code: .awaitingApproval) }
                return
            }
            let state = Output.cell(answer["state"])
            print(
                "\(Output.cell(answer["jobId"])) \(state) for \(Output.cell(answer["entity"])) on \(Output.cell(answer["project"]))/\(Output.cell(answer["region"]))/\(Output.cell(answer["cluster"]))"
            )
            if let approval = answer["approvalId"]?.stringValue {
                print(
                    "waits for approval \(approval) (expires \(Output.cell(answer["expiresAt"]))); a person runs `gatehouse approval approve \(approval)`"
                )
                throw CLIExit(code: .awaitingApproval)
            } else {
                print("follow it with `gatehouse job watch \(Output.cell(answer["jobId"]))`")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "Your jobs, newest first (or an entity's, or all with --all).",
            discussion: """
                EXAMPLES:
                  gatehouse job ls
                  gatehouse job ls --state running --all
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this entity's jobs") var entity: String?
        @Option(name: [.customShort("s"), .long], help: "Only jobs in this state (QUEUED, RUNNING, DONE, …)") var state: String?
        @Flag(help: "Every job in this daemon, not only yours") var all = false
        @Option(name: [.customShort("L"), .long], help: "At most this many, newest first.") var limit: Int = 50
        func run() throws {
            var params: [String: JSONValue] = ["mine": .bool(!all && entity == nil), "limit": .int(Int64(limit))]
            if let entity { params["entity"] = .string(entity) }
            if let state { params["state"] = .string(state.uppercased()) }
            let answer = try global.call("job.list", .object(params))
            if global.json { return Output.json(answer) }
            let rows = (answer["jobs"]?.arrayValue ?? []).map { job in
                [
                    Output.cell(job["jobId"]), Output.cell(job["state"]), Output.shortRef(Output.cell(job["entity"])), Output.cell(job["type"]),
                    Output.relative(job["createdAt"]?.stringValue),
                ]
            }
            guard !rows.isEmpty else {
                return print("no jobs" + (all ? "" : entity == nil ? " of yours (--all for everyone's)" : " for \(entity ?? "")"))
            }
            Output.table(["JOB", "STATE", "ENTITY", "TYPE", "CREATED"], rows)
        }
    }

    struct JobStatus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "A job, its state history and its last error.",
            discussion: """
                EXAMPLES:
                  gatehouse job show gh-job-1a2b
                  gatehouse job show gh-job-1a2b --json
                """,
            aliases: ["status"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id (from `gatehouse job ls`).", completion: DynamicCompletion.jobs()) var id: String
        func run() throws {
            let job = try global.call("job.status", ["jobId": .string(id)])
            if global.json { return Output.json(job) }
            Output.line("\(Output.cell(job["jobId"]))  \(Output.cell(job["state"]))")
            var view = KeyValueView()
            var rows = [
                ("  type", Output.cell(job["type"])), ("  entity", Output.cell(job["entity"])),
                ("  where", "\(Output.cell(job["project"]))/\(Output.cell(job["region"]))/\(Output.cell(job["cluster"]))"),
                ("  by", Output.cell(job["principal"])),
            ]
            if let detail = job["detail"]?.stringValue { rows.append(("  detail", TerminalText.sanitized(detail))) }
            if let error = job["lastError"]?.stringValue, JobCommand.waiting(job["state"]) {
                rows.append(("  last error", TerminalText.sanitized(error)))
            }
            view.add(nil, rows: rows)
            view.print()
            for step in job["transitions"]?.arrayValue ?? [] {
                Output.line(
                    "  \(Output.cell(step["at"]))  \(Output.cell(step["state"]))\(step["detail"]?.stringValue.map { "  \(TerminalText.sanitized($0))" } ?? "")"
                )
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a job: withdrawn if not sent yet, else Dataproc is asked to stop it.",
            discussion: """
                EXAMPLES:
                  gatehouse job cancel gh-job-1a2b
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id (from `gatehouse job ls`).", completion: DynamicCompletion.jobs()) var id: String
        func run() throws {
            let answer = try global.call("job.cancel", ["jobId": .string(id)])
            if global.json { return Output.json(answer) }
            print("\(id): \(Output.cell(answer["cancel"]))")
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a job live until it ends (exit 1 unless it ends DONE).",
            discussion: """
                With --tail, the driver's output is printed as it is written (as `job logs --follow` prints it), \
                above the live state line.

                EXAMPLES:
                  gatehouse job watch gh-job-1a2b
                  gatehouse job watch gh-job-1a2b --tail
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id (from `gatehouse job ls`).", completion: DynamicCompletion.jobs()) var id: String
        @Flag(help: "Also print the driver's output as it is written.") var tail = false
        func run() throws {
            let client = try global.connect()
            let progress = ProgressLine(jobID: id, live: !global.json && Terminal.liveProgress)
            let output = tail ? followOutput(into: progress) : nil
            client.onNotification = { message in
                guard let params = message["params"] else { return }
                if global.json {
                    Output.jsonLine(params)
                } else {
                    progress.update(state: Output.cell(params["state"]), detail: params["detail"]?.stringValue)
                }
            }
            progress.start()
            let final: JSONValue
            do { final = try client.call("job.watch", params: ["jobId": .string(id)]) } catch {
                progress.stop()
                throw CLIFailure(error)
            }
            // The output's follow ends once it has read the job's last chunk; give it that long.
            _ = output?.wait(timeout: .now() + 30)
            progress.stop()
            let state = Output.cell(final["state"])
            if !global.json { print("\(id) ended \(state)\(final["detail"]?.stringValue.map { ": \($0)" } ?? "")") }
            if state != "DONE" { throw CLIFailure("job \(id) ended \(state)") }
        }

        /// Follows the job's driver output on a second connection, printing each chunk above the live
        /// line; the semaphore is signalled when the follow ends (the job ended and its last chunk was read).
        private func followOutput(into progress: ProgressLine) -> DispatchSemaphore {
            let global = global
            let params: JSONValue = ["jobId": .string(id), "follow": true]
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                defer { done.signal() }
                // Output that cannot be read (no output location yet, storage down) must not fail the watch.
                guard let client = try? global.connect() else { return }
                client.onNotification = { message in
                    guard message["method"] == "job.logs", let params = message["params"] else { return }
                    if global.json { return Output.jsonLine(params) }
                    progress.output(params["text"]?.stringValue ?? "")
                }
                _ = try? client.call("job.logs", params: params)
            }
            return done
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's driver output, as Dataproc wrote it; with --follow, as it is written, until the job ends.",
            discussion: """
                --json prints each chunk {jobId, chunk, text} on a line, then the answer with nextChunk: pass it to --from-chunk to \
                go on where a run stopped. With --follow, a daemon that restarts is waited for (up to a minute) and the output \
                goes on from the first chunk not yet printed.

                EXAMPLES:
                  gatehouse job logs gh-job-1a2b
                  gatehouse job logs gh-job-1a2b --follow
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The job id (from `gatehouse job ls`).", completion: DynamicCompletion.jobs()) var id: String
        @Flag(help: "Keep printing new output until the job ends.") var follow = false
        @Option(name: .customLong("from-chunk"), help: "Start at this output chunk (an earlier run's nextChunk).") var fromChunk: Int?

        /// The first chunk not yet printed; notifications move it on.
        private final class Cursor {
            var next: Int
            init(_ next: Int) { self.next = next }
        }

        func run() throws {
            let socket = BrokerPaths.socket(try global.loadConfig())
            let cursor = Cursor(max(fromChunk ?? 0, 0))
            var reconnectDeadline: ContinuousClock.Instant?
            while true {
                let client: RPCClient
                do throws(RPCClientError) {
                    client = try RPCClient(socketPath: socket)
                } catch {
                    // Only a follow that was cut off waits for the daemon to come back.
                    guard let deadline = reconnectDeadline, ContinuousClock.now < deadline else { throw CLIFailure(error) }
                    Thread.sleep(forTimeInterval: 0.5)
                    continue
                }
                reconnectDeadline = nil
                client.onNotification = { message in
                    guard message["method"] == "job.logs", let params = message["params"], let chunk = params["chunk"]?.intValue else { return }
                    // A chunk already printed (before a reconnect) is not printed again.
                    guard Int(chunk) >= cursor.next else { return }
                    cursor.next = Int(chunk) + 1
                    if global.json { return Output.jsonLine(params) }
                    // The driver's own bytes, unchanged: its lines end where it ended them.
                    FileHandle.standardOutput.write(Data((params["text"]?.stringValue ?? "").utf8))
                }
                let params: JSONValue = ["jobId": .string(id), "follow": .bool(follow), "fromChunk": .int(Int64(cursor.next))]
                do throws(RPCClientError) {
                    let final = try client.call("job.logs", params: params)
                    if global.json {
                        Output.json(final)
                    } else if let detail = final["detail"]?.stringValue {
                        FileHandle.standardError.write(Data("gatehouse: \(detail)\n".utf8))
                    }
                    return
                } catch {
                    guard follow, Self.connectionLost(error) else { throw CLIFailure(error) }
                    FileHandle.standardError.write(
                        Data("gatehouse: the daemon went away; following again from chunk \(cursor.next) once it is back\n".utf8))
                    reconnectDeadline = ContinuousClock.now + .seconds(60)
                }
            }
        }

        /// True when the daemon stopped answering (it died or restarted), as opposed to refusing the call.
        static func connectionLost(_ error: RPCClientError) -> Bool {
            switch error {
            case .protocolViolation, .unreachable: true
            case .rpc, .timedOut: false
            }
        }
    }

    /// True while a job has not reached Dataproc.
    static func waiting(_ state: JSONValue?) -> Bool {
        state == "QUEUED" || state == "PENDING_APPROVAL"
    }
}

/// Builds the `Job` object from `job submit`'s flags.
struct JobSpecBuilder {
    let submit: JobCommand.Submit

    init(submit: JobCommand.Submit) { self.submit = submit }

    func job() throws -> JSONValue {
        let choices = [submit.pyspark, submit.sparkClass, submit.sparkJar, submit.sql, submit.hive, submit.spec].compactMap { $0 }
        guard choices.count == 1 else {
            throw CLIFailure("give exactly one of --pyspark, --spark-class, --spark-jar, --sql, --hive or --spec", code: .usage)
        }
        var members: [String: JSONValue] = [:]
        if let path = submit.spec {
            guard let data = FileManager.default.contents(atPath: path), case .object(let object)? = try? JSONParser.parse(data) else {
                throw CLIFailure(
                    "\(path) is not a JSON object (a Dataproc Job, e.g. {\"pysparkJob\": {\"mainPythonFileUri\": \"gs://…\"}})", code: .usage)
            }
            members = object
        }
        var typed: [String: JSONValue] = [:]
        let properties = try Self.pairs(submit.property, flag: "--property")
        if !properties.isEmpty { typed["properties"] = .object(properties) }
        if !submit.args.isEmpty { typed["args"] = .array(submit.args.map(JSONValue.string)) }
        if !submit.jar.isEmpty { typed["jarFileUris"] = .array(submit.jar.map(JSONValue.string)) }
        if let main = submit.pyspark {
            typed["mainPythonFileUri"] = .string(main)
            members["pysparkJob"] = .object(typed)
        } else if submit.sparkClass != nil || submit.sparkJar != nil {
            if let main = submit.sparkClass { typed["mainClass"] = .string(main) }
            if let jar = submit.sparkJar { typed["mainJarFileUri"] = .string(jar) }
            members["sparkJob"] = .object(typed)
        } else if let query = submit.sql ?? submit.hive {
            guard submit.args.isEmpty else {
                throw CLIFailure(
                    "driver arguments (after --) do not apply to --sql or --hive (queries take script variables; use --spec for those)", code: .usage)
            }
            typed["queryList"] = ["queries": [.string(query)]]
            members[submit.sql != nil ? "sparkSqlJob" : "hiveJob"] = .object(typed)
        }
        let labels = try Self.pairs(submit.label, flag: "--label")
        if !labels.isEmpty { members["labels"] = .object(labels) }
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

/// The live line of `job watch`: a spinner, the state and the time since the watch began, redrawn in place.
final class ProgressLine: Sendable {
    private struct State {
        var text = "waiting for the daemon"
        var running = true
        var frame = 0
    }

    private let jobID: String
    private let live: Bool
    private let state = Mutex(State())
    private let started = Date()
    private let finished = DispatchSemaphore(value: 0)

    init(jobID: String, live: Bool) {
        self.jobID = jobID
        self.live = live
    }

    func start() {
        guard live else { return }
        Thread.detachNewThread { [self] in
            let frames = Terminal.unicode ? ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] : ["|", "/", "-", "\\"]
            // Drawn under the lock, so output printed meanwhile (`output`) never lands mid-line.
            while state.withLock({ s -> Bool in
                guard s.running else { return false }
                s.frame += 1
                let elapsed = String(format: "%.1f s", Date().timeIntervalSince(started))
                FileHandle.standardError.write(Data("\r\u{1B}[K\(frames[s.frame % frames.count]) \(jobID)  \(s.text)  \(elapsed)".utf8))
                return true
            }) {
                Thread.sleep(forTimeInterval: 0.1)
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            finished.signal()
        }
    }

    func update(state newState: String, detail: String?) {
        let text = newState + (detail.map { " (\($0))" } ?? "")
        if live {
            state.withLock { $0.text = text }
        } else {
            print(String(format: "%7.1f s  ", Date().timeIntervalSince(started)) + text)
        }
    }

    /// Prints the driver's own bytes on stdout, above the live line (which redraws on its next tick).
    func output(_ text: String) {
        state.withLock { _ in
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            // Through stdout's buffer, as the state lines are printed, so the two stay in order in a pipe.
            print(text, terminator: "")
            fflush(nil)
        }
    }

    func stop() {
        let wasRunning = state.withLock { s -> Bool in
            defer { s.running = false }
            return s.running
        }
        if live && wasRunning { finished.wait() }
    }
}
