import Crypto
import Foundation
import GatehouseAudit
import GatehouseCollector
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseTestSupport
import GatehouseTesting
import Logging
import PostgresNIO
import Testing

extension Collector: StoppableResource {}

/// The collector against a real private PostgreSQL, spoken to over HTTP.
@Suite(.serialized) struct CollectorPostgresTests {
    static func withCollector<T>(_ body: (Collector, CollectorClient, PrivatePostgres) async throws -> T) async throws -> T {
        try await withPrivatePostgres { postgres in
            try await using(try await Collector.start(configuration(postgres), logger: quiet)) { collector in
                let http = HTTPClient()
                defer { http.shutdown() }
                return try await body(collector, CollectorClient(baseURL: "http://127.0.0.1:\(collector.port)", http: http), postgres)
            }
        }
    }

    /// A collector on any free port; the witness key lives beside the database, so collectors of one database share it.
    static func configuration(_ postgres: PrivatePostgres) -> CollectorConfiguration {
        var configuration = CollectorConfiguration(
            postgres: .init(unixSocketPath: postgres.socketPath, username: postgres.user, password: nil, database: postgres.database),
            witnessKeyPath: postgres.directory + "/witness.key")
        configuration.port = 0
        return configuration
    }

    static var quiet: Logger {
        var logger = Logger(label: "gatehouse.collector.test")
        logger.logLevel = .critical
        return logger
    }

    static func accepted(_ outcome: CollectorClient.ShipOutcome) throws -> ShipmentReceipt {
        guard case .accepted(let receipt) = outcome else {
            Issue.record("expected acceptance, got \(outcome)")
            throw CollectorClientError.unreadable("refused")
        }
        return receipt
    }

    @Test func shipsAreStoredOnceCosignedAndTamperingIsRefusedAndKept() async throws {
        try await Self.withCollector { collector, client, postgres in
            let alice = Curve25519.Signing.PrivateKey()
            let bob = Curve25519.Signing.PrivateKey()
            try await collector.store.registerHost("alice-host", publicKey: alice.publicKey, person: Principal(subject: "alice", issuer: "test"))
            try await collector.store.registerHost("bob-host", publicKey: bob.publicKey, person: nil)
            // Registering again with the same key is a no-op; another key is refused.
            try await collector.store.registerHost("alice-host", publicKey: alice.publicKey, person: nil)
            await #expect(throws: CollectorError.self) {
                try await collector.store.registerHost("alice-host", publicKey: bob.publicKey, person: nil)
            }
            let witness = try await client.witness()
            let witnessKey = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: witness.publicKey)))

            // Two batches, cosigned; the cosignature verifies with the published witness key.
            let first = FleetFixtures.chain(6)
            let second = FleetFixtures.chain(4, after: first.last)
            let firstCheckpoint = try FleetFixtures.checkpoint("alice-host", first, key: alice)
            let receipt1 = try Self.accepted(try await client.ship(Shipment(checkpoint: firstCheckpoint.text, records: first), hostID: "alice-host"))
            #expect(receipt1.stored == 6)
            let receipt2 = try Self.accepted(
                try await client.ship(
                    Shipment(checkpoint: try FleetFixtures.checkpoint("alice-host", second, key: alice).text, records: second), hostID: "alice-host"))
            #expect(receipt2.stored == 4)
            let cosigned = try SignedCheckpoint(text: receipt2.checkpoint)
            #expect(cosigned.checkpoint == Checkpoint(origin: "alice-host", size: 10, head: second[3].hash))
            #expect(cosigned.cosignatureTime(witness: witnessKey, name: witness.name) != nil)
            #expect(try await client.latestCheckpoint(hostID: "alice-host") == receipt2.checkpoint)

            // The second batch again (its answer lost): stored once, same head.
            let again = try Self.accepted(
                try await client.ship(
                    Shipment(checkpoint: try FleetFixtures.checkpoint("alice-host", second, key: alice).text, records: second), hostID: "alice-host"))
            #expect(again.stored == 0)
            // Replaying the first, older checkpoint moves nothing back: the answer is the current head.
            let replay = try Self.accepted(try await client.ship(Shipment(checkpoint: firstCheckpoint.text, records: first), hostID: "alice-host"))
            #expect(try SignedCheckpoint(text: replay.checkpoint).checkpoint.size == 10)
            #expect(try await postgres.psql("SELECT count(*), count(DISTINCT seq) FROM records WHERE host_id = 'alice-host'") == "10|10\n")

            // Tampering, each refused with its kind and kept as an alert.
            let all = first + second
            let cut = Array(all.prefix(7))
            let rollback = try await client.ship(
                Shipment(
                    checkpoint: try FleetFixtures.checkpoint("alice-host", Array(FleetFixtures.rewritten(cut, at: 7)), key: alice).text, records: []),
                hostID: "alice-host")
            #expect(Self.kind(rollback) == "rollback")
            let rewritten = FleetFixtures.rewritten(all, at: 3)
            let fork = try await client.ship(
                Shipment(checkpoint: try FleetFixtures.checkpoint("alice-host", rewritten, key: alice).text, records: rewritten), hostID: "alice-host"
            )
            #expect(Self.kind(fork) == "fork")
            let rewrittenLonger = rewritten + FleetFixtures.chain(2, after: rewritten.last)
            let rewrite = try await client.ship(
                Shipment(checkpoint: try FleetFixtures.checkpoint("alice-host", rewrittenLonger, key: alice).text, records: rewrittenLonger),
                hostID: "alice-host")
            #expect(Self.kind(rewrite) == "rewrite")
            // Bob's key cannot write alice's records.
            let next = FleetFixtures.chain(1, after: all.last)
            let wrongKey = try await client.ship(
                Shipment(checkpoint: try FleetFixtures.checkpoint("alice-host", next, key: bob).text, records: next), hostID: "alice-host")
            #expect(Self.status(wrongKey) == 403 && Self.kind(wrongKey) == "bad_signature")
            // An unregistered host.
            let stranger = try await client.ship(
                Shipment(checkpoint: try FleetFixtures.checkpoint("eve-host", next, key: bob).text, records: next), hostID: "eve-host")
            #expect(Self.status(stranger) == 404)

            // Nothing of that reached the records; every refusal is an alert with its evidence.
            #expect(try await postgres.psql("SELECT count(*), max(seq) FROM records WHERE host_id = 'alice-host'") == "10|10\n")
            let alerts = try await collector.store.alerts(hostID: "alice-host")
            #expect(Set(alerts.map(\.kind)) == ["rollback", "fork", "rewrite", "bad_signature"])
            #expect(alerts.first { $0.kind == "rollback" }?.message.contains("records 8…10 would be gone") == true)
            #expect(
                try await postgres.psql("SELECT count(*) FROM alerts WHERE evidence ? 'presentedCheckpoint' AND evidence ? 'cosignedCheckpoint'")
                    == "4\n")

            // The stored chain re-verifies from PostgreSQL with the shared canonical writer.
            let stored = try await collector.store.records(hostID: "alice-host", afterSeq: 0, limit: 100)
            #expect(stored == all)
            #expect(stored.allSatisfy { $0.computedHash() == $0.hash })
        }
    }

    @Test func severalCollectorsShareOneDatabase() async throws {
        try await Self.withCollector { first, client, postgres in
            // A second collector on the same database: migrations run once, the witness key file is shared.
            try await using(try await Collector.start(Self.configuration(postgres), logger: Self.quiet)) { second in
                let key = Curve25519.Signing.PrivateKey()
                try await first.store.registerHost("h", publicKey: key.publicKey, person: nil)
                let records = FleetFixtures.chain(3)
                let http = HTTPClient()
                defer { http.shutdown() }
                let other = CollectorClient(baseURL: "http://127.0.0.1:\(second.port)", http: http)
                _ = try Self.accepted(
                    try await other.ship(
                        Shipment(checkpoint: try FleetFixtures.checkpoint("h", records, key: key).text, records: records), hostID: "h"))
                let more = FleetFixtures.chain(2, after: records.last)
                let receipt = try Self.accepted(
                    try await client.ship(Shipment(checkpoint: try FleetFixtures.checkpoint("h", more, key: key).text, records: more), hostID: "h"))
                #expect(
                    try SignedCheckpoint(text: receipt.checkpoint).cosignatureTime(witness: second.witness.publicKey, name: second.witness.name)
                        != nil)
                #expect(try await postgres.psql("SELECT count(*) FROM schema_migrations") == "\(CollectorSchema.all.count)\n")
                #expect(try await postgres.psql("SELECT size FROM host_heads WHERE host_id = 'h'") == "5\n")
            }
        }
    }

    static func kind(_ outcome: CollectorClient.ShipOutcome) -> String? {
        if case .refused(_, let detail) = outcome { return detail.kind }
        return nil
    }

    static func status(_ outcome: CollectorClient.ShipOutcome) -> Int? {
        if case .refused(let status, _) = outcome { return status }
        return nil
    }
}
