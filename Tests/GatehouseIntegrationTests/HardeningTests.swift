import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Glibc
import Synchronization
import Testing

/// Misbehaving clients and hostile input against the real `gatehouse serve`.
@Suite("Daemon hardening", .serialized, .timeLimit(.minutes(5)))
struct HardeningTests {
    /// The daemon's resident set in bytes, from /proc.
    static func residentBytes(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kib * 1024
    }

    @Test func fiftyThousandUnreadAnswersDoNotGrowTheDaemonAndOthersAreStillServed() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let pid = try #require(daemon.process?.pid)
        let probe = try daemon.client()
        let answerSize = JSONWriter.bytes(try probe.call("system.methods")).count
        for _ in 0..<50 { _ = try probe.call("system.methods") }  // warm: caches, statements, arenas
        let baseline = try #require(Self.residentBytes(of: pid))

        let total = 50_000
        let sent = Atomic<Int>(0)
        let pipeliner = Unchecked(try RPCClient(socketPath: daemon.socketPath))
        let writer = Thread {
            for id in 0..<total {
                guard (try? pipeliner.value.send(Array(#"{"jsonrpc":"2.0","method":"system.methods","id":\#(id)}"#.utf8))) != nil
                else { return }
                sent.add(1, ordering: .relaxed)
            }
        }
        writer.start()

        // While it reads nothing: sample the daemon's memory and keep another client busy, for at least
        // 6 s (for the stall to set in) and at least 20 pings, each of which must be answered. On a thread
        // of its own: with the suite's other tests blocking Swift's two pool threads, a loop on the pool
        // measured how often it got a thread, not how the daemon answered.
        let prober = Unchecked(probe)
        let (peak, pings) = try await offPool { () throws -> (Int, Int) in
            var peak = baseline
            var pings = 0
            let until = ContinuousClock.now + .seconds(6)
            while ContinuousClock.now < until || pings < 20 {
                guard try prober.value.call("system.ping") == "pong" else { break }
                pings += 1
                peak = max(peak, Self.residentBytes(of: pid) ?? 0)
                Thread.sleep(forTimeInterval: 0.1)
            }
            return (peak, pings)
        }
        let growth = peak - baseline
        print(
            "backpressure: answer \(answerSize) bytes, sent \(sent.load(ordering: .relaxed)) of \(total) frames, RSS \(baseline >> 20) MiB → peak \(peak >> 20) MiB (+\(growth >> 20) MiB), \(pings) pings answered meanwhile"
        )
        #expect(growth < 64 << 20, "RSS grew by \(growth >> 20) MiB")
        #expect(sent.load(ordering: .relaxed) < total, "the daemon stopped reading the unread client's requests")
        #expect(pings >= 20)

        // Once the client reads, its answers come, in order, and its requests are read again.
        let firstIDs = try await offPool { () throws -> [Int] in
            try (0..<2000).map { _ in
                let line = String(decoding: try pipeliner.value.readLine(), as: UTF8.self)
                return Int(line.split(separator: ":").last?.dropLast() ?? "") ?? -1
            }
        }
        #expect(firstIDs == Array(0..<2000))
        #expect(try probe.call("system.ping") == "pong")
    }

    @Test func numberIDsAreEchoedAndAuditedExactly() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let client = try daemon.client()
        for idText in ["100000000000000000000", "123456789012345678901234567890", "-0", "1e2", "2.50"] {
            try client.send(Array(#"{"jsonrpc":"2.0","method":"system.ping","id":\#(idText)}"#.utf8))
            let line = String(decoding: try client.readLine(), as: UTF8.self)
            #expect(line.hasSuffix(#","id":\#(idText)}"#), "answer to id \(idText): \(line)")
        }
        let page = try client.call("audit.query", params: ["method": "system.ping", "limit": 10])
        let ids = (page["records"]?.arrayValue ?? []).compactMap { $0["requestId"]?.stringValue }
        // (The start-up probe's ping, id 1, is there too.)
        #expect(Set(ids).subtracting(["1"]) == ["100000000000000000000", "123456789012345678901234567890", "-0", "1e2", "2.50"])
        #expect(try client.call("audit.verify")["intact"] == true)
    }

    @Test func aRefusedOtherUIDThatWritesFirstReadsItsRefusal() async throws {
        guard getuid() == 0 else {
            print("SKIPPED aRefusedOtherUIDThatWritesFirstReadsItsRefusal: needs root to start a helper as nobody")
            return
        }
        let daemon = try TestDaemon()
        try await daemon.start()
        try await daemon.openSocketToOtherUsers()
        let attempts = 20
        let stranger = try TestDaemon.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import os, socket, sys
                os.setgroups([]); os.setgid(65534); os.setuid(65534)
                told = 0
                for attempt in range(int(sys.argv[2])):
                    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                    try:
                        # Write first, then read: what most clients do.
                        s.sendall(b'{"jsonrpc":"2.0","method":"system.ping","id":1}\\n')
                        line = s.makefile().readline()
                        if '"code":-32001' in line and 'peer_uid_not_allowed' in line: told += 1
                        else: print("attempt", attempt, "got", repr(line))
                    except OSError as error:
                        print("attempt", attempt, "failed:", error)
                    s.close()
                print("told", told)
                """, daemon.socketPath, String(attempts),
            ])
        #expect(stranger.stdout.contains("told \(attempts)"), "stranger: \(stranger.stdout) / \(stranger.stderr)")
        let refusals = try daemon.client().call("audit.query", params: ["method": "rpc.connection_refused", "limit": 100])
        #expect(refusals["records"]?.arrayValue?.count == attempts, "every refusal is audited")
    }
}

/// Hostile and unusual configuration against the real `gatehouse serve`.
@Suite("Daemon configuration hardening", .serialized, .timeLimit(.minutes(2)))
struct ConfigHardeningTests {
    @Test func anAliasBombStopsServeWithAnErrorNamingTheFileAndTheLimit() throws {
        let bomb =
            (0..<9).map { level -> String in
                let name = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(level)))
                let items =
                    level == 0
                    ? Array(repeating: "\"lol\"", count: 10)
                    : Array(repeating: "*" + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(level - 1))), count: 10)
                return "\(name): &\(name) [\(items.joined(separator: ","))]"
            }.joined(separator: "\n") + "\n"
        let daemon = try TestDaemon(config: bomb)
        let started = ContinuousClock.now
        let result = try daemon.cli(["serve"])
        print("alias bomb: serve exited \(result.status) after \(ContinuousClock.now - started)")
        #expect(result.status == 2)
        #expect(result.stderr.contains(daemon.root + "/config.yaml") && result.stderr.contains("100000"), "\(result.stderr)")
    }

    @Test func aBadUpstreamURLStopsServeNamingTheKey() throws {
        let daemon = try TestDaemon(config: "catalog:\n  base_url: \"not a url\"\n")
        let result = try daemon.cli(["serve"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("catalog.base_url") && result.stderr.contains("http:// or https:// URL"), "\(result.stderr)")
    }

    @Test func theConfigMayBeAProcessSubstitution() throws {
        let daemon = try TestDaemon()
        let gatehouse = BuiltProducts.path("gatehouse")
        let result = try TestDaemon.run(
            "/bin/bash", ["-c", #"exec "$0" config show --config <(printf 'rpc:\n  max_connections: 9\n')"#, gatehouse],
            environment: daemon.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rpc.max_connections") && result.stdout.contains("9"), "\(result.stdout)")
    }

    @Test func aZeroByteDatabaseIsRefusedWithWhatToDo() throws {
        let daemon = try TestDaemon()
        try FileManager.default.createDirectory(
            atPath: (daemon.databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: daemon.databasePath, contents: Data()))
        let result = try daemon.cli(["serve"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(daemon.databasePath) && result.stderr.contains("empty file"), "\(result.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.size] as? Int == 0, "left as it was")
    }
}

extension TestDaemon {
    /// Loosens the socket's and its directories' modes on purpose, so that another uid reaches the
    /// socket and the daemon's own uid check is what refuses it. Waits for the daemon's own chmod
    /// to 0600 first: it follows the bind, so a client may be answered before it, and a chmod made
    /// in between would be undone (seen under parallel load).
    func openSocketToOtherUsers() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let mode = (try? FileManager.default.attributesOfItem(atPath: socketPath))?[.posixPermissions] as? Int
            if let mode, mode & 0o777 == 0o600 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        chmod(root, 0o755)
        chmod(root + "/run", 0o755)
        chmod(root + "/run/gatehouse", 0o755)
        chmod(socketPath, 0o777)
    }
}

/// Lets a blocking client that one thread at a time uses cross into a thread or `offPool`.
private final class Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
