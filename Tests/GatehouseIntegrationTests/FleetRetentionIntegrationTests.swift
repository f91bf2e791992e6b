import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// `audit verify` against the collector's latest cosigned checkpoint, and local retention under load,
/// with the real `gatehouse-collector` on a private PostgreSQL and a real daemon.
@Suite(.serialized) struct FleetRetentionIntegrationTests {
    /// Makes audited calls (`system.ping`) at a steady `perSecond` for `seconds` (a rate the shipper
    /// keeps up with: retention can only prune what the collector has cosigned); how many.
    static func load(_ daemon: TestDaemon, seconds: Double, perSecond: Double = 400) async throws -> Int {
        try await offPool {
            let client = try daemon.client()
            let start = Date()
            var count = 0
            while Date().timeIntervalSince(start) < seconds {
                _ = try client.call("system.ping")
                count += 1
                let due = start.addingTimeInterval(Double(count) / perSecond)
                let ahead = due.timeIntervalSinceNow
                if ahead > 0 { usleep(UInt32(ahead * 1_000_000)) }  // pacing the load, not waiting for anything
            }
            return count
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        Int64((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0)
    }

    static func caughtUp(_ daemon: TestDaemon, atLeast: Int64) async throws -> Bool {
        try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
            let fleet = try await daemon.call("system.status")["components"]?["fleet"]
            return fleet?["lagRecords"] == .int(0) && (fleet?["shippedSeq"]?.intValue ?? 0) >= atLeast
        }
    }

    @Test(.timeLimit(.minutes(5))) func auditVerifyAsksTheCollectorSoDeletingTheKeptCheckpointTooIsCaught() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                try await FleetIntegrationTests.withCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString) { collectorURL, _ in
                    let config = sandboxIdentityAndCatalogYAML(sandbox) + "\nfleet:\n  collector_url: \(collectorURL)\n  batch_size: 5\n"
                    let alice = try TestDaemon(config: config)
                    try await alice.start()
                    defer { alice.stop() }
                    try await alice.signIn(sandbox: sandbox, as: "alice")
                    for _ in 0..<10 { _ = try await alice.call("auth.status") }
                    #expect(try await Self.caughtUp(alice, atLeast: 10), "not shipped:\n\(alice.log)")
                    // With the daemon running, `audit verify` goes through it and it asks the collector.
                    let running = try await offPool { try alice.cli(["audit", "verify", "--json"]) }
                    let report = try JSONParser.parse(Data(running.stdout.utf8))
                    #expect(running.status == 0 && report["intact"] == true && report["checkpoint"]?["source"] == "collector", "\(running.stdout)")
                    alice.stop()
                    let host = try #require(try await postgres.psql("SELECT host_id FROM host_heads").split(separator: "\n").first.map(String.init))
                    let shipped = try #require(
                        Int(
                            try await postgres.psql("SELECT size FROM host_heads WHERE host_id = '\(host)'").trimmingCharacters(
                                in: .whitespacesAndNewlines)))

                    // The newest records deleted, and the locally kept checkpoint with them.
                    let cut = try await offPool {
                        try TestDaemon.run(
                            "/usr/bin/sqlite3",
                            [
                                alice.databasePath,
                                "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > \(shipped - 3); UPDATE fleet_host SET cosigned_note = NULL, cosigned_size = NULL;",
                            ])
                    }
                    #expect(cut.status == 0, "\(cut.stderr)")
                    let caught = try await offPool { try alice.cli(["audit", "verify"]) }
                    #expect(caught.status == 1)
                    #expect(
                        caught.stderr.contains(
                            "records \(shipped - 2)…\(shipped) are missing: the fleet collector cosigned \(shipped) records on "),
                        "\(caught.stderr)")
                    #expect(caught.stderr.contains("(its latest checkpoint, fetched just now)"), "\(caught.stderr)")
                    #expect(
                        caught.stderr.contains("compared with the fleet collector's latest cosigned checkpoint (size \(shipped))"), "\(caught.stderr)"
                    )

                    // The collector out of reach: the local chain alone looks intact, and the report says what it compared with.
                    let unreachable = alice.environment.merging(["GATEHOUSE_FLEET_COLLECTOR_URL": "http://127.0.0.1:9"]) { _, new in new }
                    let alone = try await offPool {
                        try TestDaemon.run(BuiltProducts.path("gatehouse"), ["audit", "verify"], environment: unreachable)
                    }
                    #expect(alone.status == 0, "\(alone.stderr)")
                    #expect(
                        alone.stdout.contains("no cosigned checkpoint to compare with: the fleet collector could not be asked"), "\(alone.stdout)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(6))) func underSteadyLoadWithTheSmallestRetentionTheDatabaseStaysBoundedAndVerifies() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                try await FleetIntegrationTests.withCollector(postgres, issuer: sandbox.oidcIssuerURL.absoluteString) { collectorURL, _ in
                    // 0.0001 days is 8.64 s (audit.retention_days takes fractions for this test).
                    let config =
                        sandboxIdentityAndCatalogYAML(sandbox) + "\nfleet:\n  collector_url: \(collectorURL)\naudit:\n  retention_days: 0.0001\n"
                    let daemon = try TestDaemon(config: config)
                    try await daemon.start()
                    defer { daemon.stop() }
                    try await daemon.signIn(sandbox: sandbox, as: "alice")
                    // Long enough (about three retentions) for pruning to reach its steady state.
                    let warmUp = try await Self.load(daemon, seconds: 25)
                    let settled = Self.fileSize(daemon.databasePath)
                    let more = try await Self.load(daemon, seconds: 25)
                    let after = Self.fileSize(daemon.databasePath)
                    let note = "warm-up \(warmUp) calls → \(settled) bytes; then \(more) calls → \(after) bytes"
                    // 25 s more of records at ~250 bytes each would grow an unpruned file by more than twice the slack.
                    #expect(Int64(more) * 250 > 2 * (1 << 20), "too little load to show anything: \(note)")
                    #expect(after <= settled + (1 << 20), "the database kept growing: \(note)")

                    // Pruned: the chain starts at an anchor, and verifies from it to the collector's cosigned head.
                    #expect(try await Self.caughtUp(daemon, atLeast: Int64(warmUp + more)), "not shipped:\n\(daemon.log)")
                    let verify = try await offPool { try daemon.cli(["audit", "verify", "--json"]) }
                    let report = try JSONParser.parse(Data(verify.stdout.utf8))
                    #expect(verify.status == 0 && report["intact"] == true, "\(verify.stdout)\(verify.stderr)")
                    let anchor = report["anchorSeq"]?.intValue ?? 0
                    #expect(anchor > Int64(warmUp), "\(verify.stdout) \(note)")
                    #expect(report["checkpoint"]?["source"] == "collector")
                    #expect(report["mode"] == "full" && (report["checked"]?.intValue ?? .max) < Int64(warmUp + more) / 2, "\(verify.stdout) \(note)")
                    // --incremental walks only the records since the last cosigned checkpoint.
                    let incremental = try JSONParser.parse(
                        Data(try await offPool { try daemon.cli(["audit", "verify", "--incremental", "--json"]) }.stdout.utf8))
                    #expect(incremental["intact"] == true && incremental["mode"] == "incremental", "\(incremental)")
                    // With the daemon stopped, the CLI reads the file directly: the same answer.
                    daemon.stop()
                    let direct = try await offPool { try daemon.cli(["audit", "verify"]) }
                    #expect(direct.status == 0 && direct.stdout.contains("audit chain intact"), "\(direct.stdout)\(direct.stderr)")
                    let kept = try await postgres.psql("SELECT min(seq) FROM records")
                    #expect(kept == "1\n", "the collector keeps every record: \(kept)")
                }
            }
        }
    }
}
