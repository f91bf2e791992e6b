import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

@Suite("Job driver output through the daemon", .serialized)
struct JobLogsIntegrationTests {
    @Test func followStreamsOutputWhileTheJobRunsAndResumesWithoutRepeating() async throws {
        try await using(JobEnvironment.start()) { env in
            let submitted = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(1)])
            let id = try #require(submitted["jobId"]?.stringValue)

            // Followed from submission (still queued locally): each chunk is noted with the sandbox time it arrived.
            let arrivals = Mutex<[(chunk: Int, at: Date, text: String)]>([])
            let sandbox = env.sandbox
            let socketPath = env.daemon.socketPath
            let answer = try await offPool {
                let client = try RPCClient(socketPath: socketPath, timeout: TestDaemon.callTimeout)
                client.onNotification = { message in
                    guard message["method"] == "job.logs", let params = message["params"] else { return }
                    let entry = (Int(params["chunk"]?.intValue ?? -1), sandbox.clock.now, params["text"]?.stringValue ?? "")
                    arrivals.withLock { $0.append(entry) }
                }
                return try client.call("job.logs", params: ["jobId": .string(id), "follow": true])
            }
            let received = arrivals.withLock { $0 }
            #expect(received.map(\.chunk) == [0, 1, 2, 3, 4], "every chunk once, in order")
            #expect(answer["nextChunk"] == 5 && answer["chunks"] == 5, "\(answer)")
            #expect(answer["state"] == "DONE", "the follow ends once the job has ended: \(answer)")
            let text = received.map(\.text).joined()
            #expect(text.hasPrefix("Sandbox driver: running gs://bucket/engagement.py for job \(id)"))
            #expect(text.hasSuffix("Driver finished successfully.\n"))

            // The first chunk arrived before Dataproc reported the job DONE.
            let status = try await env.call("job.status", ["jobId": .string(id)])
            let doneAt = status["transitions"]?.arrayValue?.last { $0["state"] == "DONE" }
            #expect(doneAt != nil, "\(status)")
            let upstream = try #require(try await env.upstreamJobs().first { $0.jobId == id })
            #expect(upstream.state == "DONE")
            let runEnd = try #require(sandbox.dataproc.jobs.all.first { $0.jobId == id }?.submittedAt.addingTimeInterval(2 * 2))
            let firstArrival = try #require(received.first?.at)
            #expect(firstArrival < runEnd, "first chunk at \(firstArrival), the run ended at \(runEnd)")

            // Resuming where the follow stopped repeats nothing; from the start gives the same text.
            let resumed = try await env.call("job.logs", ["jobId": .string(id), "fromChunk": 5])
            #expect(resumed["chunks"] == 0 && resumed["nextChunk"] == 5, "\(resumed)")
            let cli = try await offPool { try env.daemon.cli(["job", "logs", id]) }
            #expect(cli.status == 0, "\(cli.stderr)")
            #expect(cli.stdout == text, "the CLI prints the driver's bytes unchanged")
            let middle = try await offPool { try env.daemon.cli(["job", "logs", id, "--from-chunk", "3", "--json"]) }
            let lines = middle.stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(lines.compactMap { $0["chunk"]?.intValue } == [3, 4], "\(middle.stdout)")

            // Every read is audited.
            let audit = try await env.call("audit.query", ["method": "job.logs"])
            #expect((audit["records"]?.arrayValue?.count ?? 0) >= 4, "\(audit)")
            let unknown = try await env.daemon.failure("job.logs", ["jobId": "gh-none"])
            #expect(unknown?.data?["reason"] == "unknown_job", "\(String(describing: unknown))")
        }
    }

    @Test func cliFollowGoesOnAfterADaemonRestartWithoutRepeating() async throws {
        try await using(JobEnvironment.start()) { env in
            let submitted = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(2)])
            let id = try #require(submitted["jobId"]?.stringValue)
            let daemon = env.daemon
            let following = Task { try await offPool { try daemon.cli(["job", "logs", id, "--follow"]) } }

            // The driver writes its first chunk 2 s (sandbox time) after Dataproc got the job and its
            // last at 4 s: the daemon is killed and started again in between, while the CLI follows.
            let sandbox = env.sandbox
            let sent = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                sandbox.dataproc.jobs.all.contains { $0.jobId == id }
            }
            #expect(sent)
            let submittedAt = try #require(sandbox.dataproc.jobs.all.first { $0.jobId == id }?.submittedAt)
            while sandbox.clock.now < submittedAt.addingTimeInterval(2.3) { try await Task.sleep(for: .milliseconds(20)) }
            daemon.stop(signal: SIGKILL)
            try await daemon.start()

            let followed = try await following.value
            #expect(followed.status == 0, "\(followed.stderr)")
            #expect(followed.stderr.contains("following again from chunk"), "\(followed.stderr)")
            let whole = try await offPool { try daemon.cli(["job", "logs", id]) }
            #expect(whole.stdout.hasSuffix("Driver finished successfully.\n"), "\(whole.stdout)")
            #expect(followed.stdout == whole.stdout, "every chunk printed once across the restart")
        }
    }

    @Test func watchWithTailPrintsTheOutputAsItIsWrittenThenHowTheJobEnded() async throws {
        try await using(JobEnvironment.start()) { env in
            let submitted = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(5)])
            let id = try #require(submitted["jobId"]?.stringValue)
            let watched = try await offPool { try env.daemon.cli(["job", "watch", id, "--tail"]) }
            #expect(watched.status == 0, "\(watched.stderr)")
            let logs = try await offPool { try env.daemon.cli(["job", "logs", id]) }
            // Piped: the state lines ("    3.0 s  RUNNING") and the driver's bytes in the order they came,
            // then the watch's own last line.
            let lines = watched.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let isState = { (line: Substring) in line.wholeMatch(of: /\s*[0-9.]+ s  [A-Z_]+.*/) != nil }
            #expect(lines.first.map(isState) == true, "the state as the watch began comes first: \(watched.stdout)")
            let output = lines.filter { !isState($0) }.dropLast(2).joined(separator: "\n") + "\n"
            #expect(output == logs.stdout, "every chunk once, in order: \(watched.stdout)")
            #expect(watched.stdout.hasSuffix("\(id) ended DONE\n"), "\(watched.stdout)")
        }
    }

    @Test func outputReadOnceIsServedSealedFromTheCacheWhenUpstreamsAreDown() async throws {
        try await using(JobEnvironment.start()) { env in
            let submitted = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(3)])
            let id = try #require(submitted["jobId"]?.stringValue)
            let other = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(4)])
            let unreadID = try #require(other["jobId"]?.stringValue)
            let online = try await offPool { try env.daemon.cli(["job", "logs", id, "--follow"]) }
            #expect(online.status == 0, "\(online.stderr)")
            #expect(online.stdout.hasSuffix("Driver finished successfully.\n"), "\(online.stdout)")

            // Output is business data: the database holds it sealed, never as text.
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: env.daemon.databasePath + suffix) ?? Data() }
            #expect(bytes.range(of: Data("Driver finished successfully".utf8)) == nil)

            // Dataproc and Cloud Storage both gone: the finished job's output still reads, said to be cached.
            try await env.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            try await env.sandbox.setFault(SandboxFault(kind: .down), on: .storage)
            let offline = try await env.call("job.logs", ["jobId": .string(id)])
            #expect(offline["offline"] == true && offline["chunks"] == 5, "\(offline)")
            #expect(offline["detail"]?.stringValue?.contains("cached output only") == true, "\(offline)")
            let cli = try await offPool { try env.daemon.cli(["job", "logs", id]) }
            #expect(cli.status == 0, "\(cli.stderr)")
            #expect(cli.stdout == online.stdout, "the same bytes as online")
            #expect(cli.stderr.contains("cached output only"), "\(cli.stderr)")

            // A finished job whose output was never read has nothing cached: the error says why.
            let unread = try await env.daemon.failure("job.logs", ["jobId": .string(unreadID)])
            #expect(unread?.data?["reason"] == "upstream_unavailable", "\(String(describing: unread))")
        }
    }
}
