import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting
import Synchronization
import Testing

/// The shipped daemon binary, started as a real process and driven over its socket and CLI.
@Suite("Daemon foundation", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct FoundationDaemonTests {
    @Test func answersOverTheSocketAndAuditsThePeer() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let client = try daemon.client()
        #expect(try client.call("system.ping") == "pong")
        let status = try client.call("system.status")
        #expect(status["version"] == .string(GatehouseVersion.current))
        #expect(status["schemaVersion"]?.intValue ?? 0 >= 1)
        let methods = try client.call("system.methods").arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(methods.contains("audit.verify") && methods.contains("system.ping"))
        #expect(!methods.contains("subtract"))  // the spec examples' methods exist only in tests

        let page = try client.call("audit.query", params: ["method": "system.ping"])
        let record = try #require(page["records"]?.arrayValue?.last)
        #expect(record["peer"]?["uid"]?.intValue == Int64(getuid()))
        #expect(record["peer"]?["pid"]?.intValue == Int64(getpid()))
        #expect(record["peer"]?["executable"]?.stringValue?.hasSuffix(".xctest") == true)
        // Every record carries the caller's class, from kernel facts: this process has a controlling
        // terminal exactly when /dev/tty opens.
        let tty = open("/dev/tty", O_RDONLY)
        if tty >= 0 { close(tty) }
        #expect(record["callerClass"] == (tty >= 0 ? "interactive" : "automation"))
        daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "socket removed on SIGTERM")
    }

    @Test func scriptsCanUseSocatAndPython() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let shell = try TestDaemon.run(
            "/bin/sh", ["-c", #"echo '{"jsonrpc":"2.0","method":"system.ping","id":1}' | socat -t 5 - UNIX-CONNECT:"$0""#, daemon.socketPath])
        #expect(shell.stdout.contains(#""result":"pong""#), "socat: \(shell.stderr)")
        let python = try TestDaemon.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import json, socket, sys
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                s.sendall(b'{"jsonrpc":"2.0","method":"system.status","id":"py"}\\n')
                print(json.loads(s.makefile().readline())["result"]["version"])
                """, daemon.socketPath,
            ])
        #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == GatehouseVersion.current, "python: \(python.stderr)")
    }

    @Test func aDifferentUIDIsRefusedAndAudited() async throws {
        guard getuid() == 0 else {
            print("SKIPPED aDifferentUIDIsRefusedAndAudited: needs root to start a helper as nobody")
            return
        }
        let daemon = try TestDaemon()
        try await daemon.start()
        // Loosen the file modes on purpose: the uid check must hold even when the file system lets a stranger reach the socket.
        try await daemon.openSocketToOtherUsers()
        let stranger = try TestDaemon.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import os, socket, sys
                os.setgid(65534); os.setuid(65534)
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                # A refused peer is told at once and the connection closed, so read before (maybe) writing.
                print(s.makefile().readline())
                try:
                    s.sendall(b'{"jsonrpc":"2.0","method":"system.ping","id":1}\\n'); print(s.makefile().readline())
                except OSError:
                    pass
                """, daemon.socketPath,
            ])
        #expect(stranger.stdout.contains("peer_uid_not_allowed"), "stranger got: \(stranger.stdout) / stderr: \(stranger.stderr)")
        #expect(!stranger.stdout.contains("pong"))
        let refusals = try daemon.client().call("audit.query", params: ["method": "rpc.connection_refused"])
        let record = try #require(refusals["records"]?.arrayValue?.first)
        #expect(record["peer"]?["uid"]?.intValue == 65534)
        #expect(record["errorReason"] == "peer_uid_not_allowed")
    }

    @Test func tamperingWithTheDatabaseIsNamedByVerify() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let client = try daemon.client()
        for _ in 0..<10 { _ = try client.call("system.ping") }
        daemon.stop()
        let intact = try daemon.cli(["audit", "verify"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("intact"))

        let sql = "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET method = 'system.pinG' WHERE seq = 4;"
        let edit = try TestDaemon.run("/usr/bin/env", ["sqlite3", daemon.databasePath, sql])
        #expect(edit.status == 0, "sqlite3: \(edit.stderr)")
        let broken = try daemon.cli(["audit", "verify"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("record 4"), "verify said: \(broken.stdout) \(broken.stderr)")
    }

    @Test func killNineUnderLoadLosesNoAnsweredRequest() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        let answered = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let socketPath = daemon.socketPath
        let clients = (0..<8).map { index in
            Thread {
                guard let client = try? RPCClient(socketPath: socketPath) else { return }
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    let id = "c\(index)-\(n)"
                    n += 1
                    // A call that gets no answer (the daemon died) may or may not be recorded; one that was answered must be.
                    guard (try? client.send(Array(#"{"jsonrpc":"2.0","method":"system.ping","id":"\#(id)"}"#.utf8))) != nil,
                        let reply = try? client.readMessage(), reply["result"] == "pong"
                    else { return }
                    answered.withLock { $0.append(id) }
                }
            }
        }
        clients.forEach { $0.start() }
        try await Task.sleep(for: .milliseconds(700))
        daemon.stop(signal: SIGKILL)
        stop.store(true, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(200))
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "kill -9 leaves a stale socket behind")

        try await daemon.start()  // replaces the stale socket
        let ids = answered.withLock { $0 }
        #expect(ids.count > 100, "the load was real")
        var recorded = Set<String>()
        let client = try daemon.client()
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["method": "system.ping", "limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try client.call("audit.query", params: .object(params))
            for record in page["records"]?.arrayValue ?? [] {
                if let id = record["requestId"]?.stringValue { recorded.insert(id) }
            }
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        let missing = ids.filter { !recorded.contains("\"\($0)\"") }
        #expect(missing.isEmpty, "answered but not audited: \(missing.prefix(5))")
        #expect(try client.call("audit.verify")["intact"] == true)
    }

    @Test func versionNamesTheCLIAndTheDaemonWhenItRuns() async throws {
        let daemon = try TestDaemon()
        let alone = try daemon.cli(["version"])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stdout.contains("gatehouse \(GatehouseVersion.current)") && alone.stdout.contains("daemon    not running"), "\(alone.stdout)")
        try await daemon.start()
        defer { daemon.stop() }
        let both = try daemon.cli(["version", "--json"])
        #expect(both.status == 0, "\(both.stderr)")
        let answer = try JSONDecoder().decode(JSONValue.self, from: Data(both.stdout.utf8))
        #expect(answer["cli"] == .string(GatehouseVersion.current))
        #expect(answer["daemon"]?["version"] == .string(GatehouseVersion.current))
        #expect(answer["daemon"]?["schema"] == answer["schema"] && answer["schema"]?.intValue ?? 0 >= 8)
    }

    @Test func cliExitCodesAndMessages() async throws {
        let daemon = try TestDaemon()
        let down = try daemon.cli(["status"])
        #expect(down.status == 3)
        #expect(down.stderr.contains("gatehouse serve"))
        #expect(try daemon.cli(["audit", "query", "--limit", "nope"]).status == 2)
        try await daemon.start()
        let unknown = try daemon.cli(["call", "no.such.method"])
        #expect(unknown.status == 2 && unknown.stderr.contains("Method not found: no method no.such.method"), "\(unknown.stderr)")
        let typo = try daemon.cli(["call", "system.pnig"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean system.ping?"), "\(typo.stderr)")
        let ok = try daemon.cli(["call", "system.ping"])
        #expect(ok.status == 0 && ok.stdout.contains("pong"))
        let json = try daemon.cli(["status", "--json"])
        #expect(json.status == 0 && json.stdout.contains("\"schemaVersion\""))
    }

    @Test func badConfigurationIsAClearErrorNamingTheKey() throws {
        let typo = try TestDaemon(config: "rpc:\n  max_frame_byte: 10\n")
        let result = try typo.cli(["serve"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("rpc.max_frame_byte") && result.stderr.contains("rpc.max_frame_bytes"))
        let bad = try TestDaemon(config: "store:\n  durability: sometimes\n")
        let badResult = try bad.cli(["serve"])
        #expect(badResult.status == 2 && badResult.stderr.contains("store.durability") && badResult.stderr.contains("normal, full"))
        let env = try TestDaemon(extraEnvironment: ["GATEHOUSE_RPC_MAX_CONNECTIONS": "0"])
        #expect(try env.cli(["serve"]).stderr.contains("GATEHOUSE_RPC_MAX_CONNECTIONS"))
    }
}
