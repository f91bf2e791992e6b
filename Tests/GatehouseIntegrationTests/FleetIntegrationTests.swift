import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

/// The real `gatehouse-collector` on a real private PostgreSQL, with the real daemons of two people
/// (alice's host and bob's host) shipping to it, signed in through the sandbox IdP.
@Suite(.serialized) struct FleetIntegrationTests {
    /// The collector binary on `port` (0: any free one) and its URL, once it listens.
    static func startCollector(_ postgres: PrivatePostgres, issuer: String, port: Int = 0) async throws -> (ChildProcess, String) {
        let log = postgres.directory + "/collector-\(UUID().uuidString.prefix(6)).log"
        let process = try ChildProcess(
            BuiltProducts.path("gatehouse-collector"),
            [
                "--port", "\(port)", "--pg-host", postgres.socketDirectory, "--pg-port", "\(postgres.port)", "--pg-user", postgres.user,
                "--pg-database", postgres.database, "--witness-key", postgres.directory + "/witness.key",
                "--oidc-issuer", issuer, "--oidc-client-id", "gatehouse", "--allow-insecure-http", "--auditor-group", "team-a",
            ],
            stdout: .append(log), stderr: .append(log))
        var url: String?
        _ = try await eventually(timeout: .seconds(60)) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                url = "http://" + line.dropFirst("listening on ".count)
            }
            return url != nil || !process.isRunning
        }
        guard let url else {
            process.send(SIGKILL)
            _ = process.waitForExit()
            Issue.record("the collector did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            throw TestDaemonError.notReady(log: "collector")
        }
        return (process, url)
    }

    /// The collector binary, stopped (SIGTERM) when `body` ends; `body` may replace it (a crash test).
    static func withCollector<T>(
        _ postgres: PrivatePostgres, issuer: String, _ body: (String, CollectorHandle) async throws -> T
    ) async throws -> T {
        let (process, url) = try await startCollector(postgres, issuer: issuer)
        let handle = CollectorHandle(process)
        defer { handle.stop() }
        return try await body(url, handle)
    }

    /// The running collector process, replaceable.
    final class CollectorHandle: @unchecked Sendable {
        var process: ChildProcess
        init(_ process: ChildProcess) { self.process = process }
        func stop() {
            process.send(SIGTERM)
            _ = process.waitForExit()
        }
    }

    @Test(.timeLimit(.minutes(5))) func twoHostsShipAnAuditorSeesBothANonAuditorIsRefusedATruncatedHostIsCaught() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                try await Self.withCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString) { collectorURL, collector in
                    let config = sandboxIdentityAndCatalogYAML(sandbox) + "\nfleet:\n  collector_url: \(collectorURL)\n  batch_size: 3\n"
                    let alice = try TestDaemon(config: config)
                    let bob = try TestDaemon(config: config)
                    try await alice.start()
                    try await bob.start()
                    try await alice.signIn(sandbox: sandbox, as: "alice")
                    try await bob.signIn(sandbox: sandbox, as: "bob")
                    for daemon in [alice, bob] {
                        for _ in 0..<4 { _ = try await daemon.call("auth.status") }
                    }
                    // Both ship everything (in batches of 3); the lag is in system.status.
                    for daemon in [alice, bob] {
                        let caughtUp = try await eventually(timeout: .seconds(60)) {
                            let fleet = try await daemon.call("system.status")["components"]?["fleet"]
                            return fleet?["lagRecords"] == .int(0) && (fleet?["shippedSeq"]?.intValue ?? 0) >= 6
                        }
                        #expect(caughtUp, "not shipped:\n\(daemon.log)")
                    }
                    // kill -9 of the collector, restarted on the same port, and a PostgreSQL restart, while both keep
                    // making audited calls: afterwards every record is stored once, with no gap.
                    collector.process.send(SIGKILL)
                    _ = collector.process.waitForExit()
                    for daemon in [alice, bob] {
                        for _ in 0..<5 { _ = try await daemon.call("auth.status") }
                    }
                    let port = try #require(Int(collectorURL.split(separator: ":").last ?? ""))
                    collector.process = try await Self.startCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString, port: port).0
                    try await postgres.restart()
                    for daemon in [alice, bob] {
                        for _ in 0..<5 { _ = try await daemon.call("auth.status") }
                        var shipped: Int64 = 0
                        let caughtUp = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
                            let fleet = try await daemon.call("system.status")["components"]?["fleet"]
                            shipped = fleet?["shippedSeq"]?.intValue ?? 0
                            return fleet?["lagRecords"] == .int(0) && shipped >= 20
                        }
                        #expect(caughtUp, "not shipped after the crash:\n\(daemon.log)")
                        let host = try #require(try await daemon.call("system.status")["components"]?["fleet"]?["hostId"]?.stringValue)
                        let counts = try await postgres.psql("SELECT count(*), count(DISTINCT seq), max(seq) FROM records WHERE host_id = '\(host)'")
                        let numbers = counts.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int64($0) }
                        #expect(numbers.count == 3 && numbers[0] == numbers[1] && numbers[1] == numbers[2] && numbers[2] >= shipped, "\(counts)")
                    }

                    let aliceHost = try #require(try await alice.call("system.status")["components"]?["fleet"]?["hostId"]?.stringValue)
                    let bobHost = try #require(try await bob.call("system.status")["components"]?["fleet"]?["hostId"]?.stringValue)

                    // Alice is an auditor (team-a): the CLI shows both hosts' records.
                    let query = try await offPool { try alice.cli(["fleet", "audit", "query", "--json", "--limit", "1000"]) }
                    #expect(query.status == 0, "\(query.stderr)")
                    let page = try JSONParser.parse(Data(query.stdout.utf8))
                    let hosts = Set((page["records"]?.arrayValue ?? []).compactMap { $0["hostID"]?.stringValue })
                    #expect(hosts == [aliceHost, bobHost])
                    let csv = try await offPool { try alice.cli(["fleet", "audit", "query", "--csv", "--host", bobHost, "--method", "auth.status"]) }
                    #expect(csv.stdout.hasPrefix("HOST,AT,PRINCIPAL,METHOD,ENTITY,DECISION,OUTCOME,SEQ\n\(bobHost),"))
                    #expect(csv.stdout.split(separator: "\n").count == 1 + 14)  // bob's 14 auth.status calls
                    let verify = try await offPool { try alice.cli(["fleet", "verify", bobHost]) }
                    #expect(verify.status == 0 && verify.stdout.contains("fleet chain of \(bobHost) intact"), "\(verify.stdout)\(verify.stderr)")

                    // Bob is not: refused (exit 4), and the refusal is kept centrally.
                    let refused = try await offPool { try bob.cli(["fleet", "audit", "query"]) }
                    #expect(
                        refused.status == 4 && refused.stderr.contains("none of the collector's auditor groups"),
                        "\(refused.status) \(refused.stderr)")
                    #expect(try await postgres.psql("SELECT outcome FROM access_log WHERE email = 'bob@example.com'") == "not an auditor\n")

                    // Alice's newest records deleted with the daemon stopped: `audit verify` names the missing range.
                    alice.stop()
                    let shipped = try #require(
                        Int(
                            try await postgres.psql("SELECT size FROM host_heads WHERE host_id = '\(aliceHost)'").trimmingCharacters(
                                in: .whitespacesAndNewlines)))
                    let cut = try await offPool {
                        try TestDaemon.run(
                            "/usr/bin/sqlite3",
                            [alice.databasePath, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > \(shipped - 2);"])
                    }
                    #expect(cut.status == 0, "\(cut.stderr)")
                    let truncated = try await offPool { try alice.cli(["audit", "verify"]) }
                    #expect(truncated.status == 1)
                    #expect(
                        truncated.stderr.contains("records \(shipped - 1)…\(shipped) are missing: the fleet collector cosigned \(shipped) records"),
                        "\(truncated.stderr)")
                    // All of them deleted.
                    _ = try await offPool { try TestDaemon.run("/usr/bin/sqlite3", [alice.databasePath, "DELETE FROM audit_log;"]) }
                    let emptied = try await offPool { try alice.cli(["audit", "verify"]) }
                    #expect(emptied.status == 1 && emptied.stderr.contains("all records are gone: records 1…\(shipped)"), "\(emptied.stderr)")
                    bob.stop()
                }
            }
        }
    }

    /// Three hosts under load (8 clients each), their daemons and the collector killed again and again and
    /// PostgreSQL restarted once: afterwards every record each host holds is stored centrally exactly once,
    /// and every chain verifies there.
    @Test(.timeLimit(.minutes(8))) func threeHostsSurviveKilledDaemonsAKilledCollectorAndAPostgreSQLRestart() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                try await Self.withCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString) { collectorURL, collector in
                    let config = sandboxIdentityAndCatalogYAML(sandbox) + "\nfleet:\n  collector_url: \(collectorURL)\n  batch_size: 25\n"
                    var hosts: [TestDaemon] = []
                    for person in ["alice", "bob", "alice"] {
                        let host = try TestDaemon(config: config)
                        try await host.start()
                        try await host.signIn(sandbox: sandbox, as: person)
                        hosts.append(host)
                    }
                    let load = AuditedLoad(hosts: hosts, clientsPerHost: 8)
                    let port = try #require(Int(collectorURL.split(separator: ":").last ?? ""))
                    for round in 0..<3 {
                        try await Task.sleep(for: .seconds(2))
                        let victim = hosts[round]
                        victim.stop(signal: SIGKILL)
                        try await victim.start()
                        collector.process.send(SIGKILL)
                        _ = collector.process.waitForExit()
                        try await Task.sleep(for: .milliseconds(500))
                        collector.process = try await Self.startCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString, port: port).0
                        if round == 1 { try await postgres.restart() }
                    }
                    try await Task.sleep(for: .seconds(2))
                    let acknowledged = load.stop()
                    #expect(acknowledged.allSatisfy { $0 > 0 }, "every host answered calls under the crashes: \(acknowledged)")

                    for (index, host) in hosts.enumerated() {
                        var shipped: Int64 = 0
                        var hostID = ""
                        let caughtUp = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
                            let fleet = try await host.call("system.status")["components"]?["fleet"]
                            (shipped, hostID) = (fleet?["shippedSeq"]?.intValue ?? 0, fleet?["hostId"]?.stringValue ?? "")
                            return fleet?["lagRecords"] == .int(0)
                        }
                        #expect(caughtUp, "host \(index) did not catch up:\n\(host.log)")
                        // Every call answered left a record first (the audit is fail-closed), so all of them are shipped.
                        #expect(shipped >= Int64(acknowledged[index]), "host \(index): \(shipped) shipped, \(acknowledged[index]) calls answered")
                        // Stored once each, none missing: as many rows as distinct seqs as the highest seq.
                        let counts = try await postgres.psql(
                            "SELECT count(*), count(DISTINCT seq), max(seq) FROM records WHERE host_id = '\(hostID)'")
                        let numbers = counts.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int64($0) }
                        #expect(
                            numbers.count == 3 && numbers[0] == numbers[1] && numbers[1] == numbers[2] && numbers[2] >= shipped,
                            "host \(index) shipped up to \(shipped); PostgreSQL holds \(counts)")
                        #expect(try await host.call("audit.verify")["intact"] == true)
                        let (auditor, id) = (hosts[0], hostID)
                        let verify = try await offPool { try auditor.cli(["fleet", "verify", id]) }
                        #expect(verify.status == 0 && verify.stdout.contains("fleet chain of \(id) intact"), "\(verify.stdout)\(verify.stderr)")
                    }
                    for host in hosts { host.stop() }
                }
            }
        }
    }
}

/// Clients on threads of their own, each calling `auth.status` (an audited call) on its host in a loop, on
/// one connection, reconnecting while the daemon is down; counts the calls each host answered.
final class AuditedLoad: Sendable {
    private let running = Atomic<Bool>(true)
    private let answered: Mutex<[Int]>
    private let finished = DispatchGroup()

    init(hosts: [TestDaemon], clientsPerHost: Int) {
        answered = Mutex(Array(repeating: 0, count: hosts.count))
        for (index, host) in hosts.enumerated() {
            for _ in 0..<clientsPerHost {
                finished.enter()
                Thread { [self] in
                    defer { finished.leave() }
                    while running.load(ordering: .relaxed) {
                        do {
                            let client = try host.client()
                            while running.load(ordering: .relaxed) {
                                _ = try client.call("auth.status")
                                answered.withLock { $0[index] += 1 }
                            }
                        } catch {
                            usleep(50_000)  // the daemon is down or restarting
                        }
                    }
                }.start()
            }
        }
    }

    /// Stops every client, waits for them, and returns how many calls each host answered.
    func stop() -> [Int] {
        running.store(false, ordering: .relaxed)
        finished.wait()
        return answered.withLock { $0 }
    }
}
