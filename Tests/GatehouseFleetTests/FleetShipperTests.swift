import Crypto
import Foundation
import GRDB
import GatehouseAudit
import GatehouseCollector
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Logging
import Synchronization
import Testing

/// A host's store shipping to a real collector on a real private PostgreSQL, registered with a sandbox ID token.
@Suite(.serialized) struct FleetShipperTests {
    @Test func shipsInBatchesExactlyOnceAcrossRestartsAndKeepsTheCosignedCheckpoint() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                var configuration = CollectorPostgresTests.configuration(postgres)
                var identity = IdentityConfiguration(issuer: sandbox.oidc.issuer, clientID: "gatehouse")
                identity.allowInsecureHTTP = true
                configuration.identity = identity
                try await using(try await Collector.start(configuration, logger: CollectorPostgresTests.quiet)) { collector in
                    let temp = try TemporaryStore()
                    defer { temp.store.close() }
                    let http = HTTPClient()
                    defer { http.shutdown() }
                    let audit = AuditLog(store: temp.store)
                    for index in 0..<25 {
                        _ = try await audit.append(
                            AuditEntry(principal: "alice@example.com", method: "catalog.get", entity: "component:default/c\(index)"))
                    }
                    let sealer = Sealer(key: SymmetricKey(size: .bits256))
                    let host = try await HostIdentity.loadOrCreate(store: temp.store, sealer: sealer, hostName: "alice-laptop")
                    let client = CollectorClient(baseURL: "http://127.0.0.1:\(collector.port)", http: http)
                    let tokens = Counter()
                    let makeShipper = {
                        FleetShipper(
                            identity: host, store: temp.store, client: client, batchSize: 10,
                            idToken: {
                                tokens.increment()
                                return try await HostRegistrationTests.idToken(sandbox, subject: "alice", http: http)
                            }, logger: CollectorPostgresTests.quiet)
                    }
                    let shipper = makeShipper()
                    #expect(try await shipper.lag().records == 25)
                    #expect(try await shipper.shipOnce() == .shipped(through: 10, records: 10))
                    // The cursor is durable: a new shipper (a restarted daemon) continues after it, without registering again.
                    let restarted = makeShipper()
                    #expect(try await restarted.shipOnce() == .shipped(through: 20, records: 10))
                    #expect(try await restarted.shipOnce() == .shipped(through: 25, records: 5))
                    #expect(try await restarted.shipOnce() == .idle)
                    #expect(tokens.value == 1)
                    #expect(try await restarted.lag().records == 0)

                    // PostgreSQL restarts under the collector: shipping fails until the pool reconnects, then
                    // resumes where the cursor is; every record is stored once.
                    for index in 0..<7 {
                        _ = try await audit.append(
                            AuditEntry(principal: "alice@example.com", method: "job.submit", entity: "component:default/r\(index)"))
                    }
                    try await postgres.restart()
                    let resumed = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                        // `records` may be 0: a try whose answer was lost in the restart may have been stored.
                        if case .shipped(through: 32, _)? = try? await restarted.shipOnce() { return true }
                        return false
                    }
                    #expect(resumed)
                    #expect(try await postgres.psql("SELECT count(*), count(DISTINCT seq), max(seq) FROM records") == "32|32|32\n")

                    // A lost answer: the cursor goes back, the batch is sent again; stored once, the cursor catches up.
                    try await temp.store.writer.write { db in try db.execute(sql: "UPDATE fleet_host SET shipped_seq = 5") }
                    #expect(try await restarted.shipOnce() == .shipped(through: 32, records: 0))
                    #expect(try await postgres.psql("SELECT count(*), count(DISTINCT seq), max(seq) FROM records") == "32|32|32\n")
                    // Every stored record is byte-for-byte the host's.
                    let local = try await temp.store.pool.read { db in try AuditRecord.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq") }
                    #expect(try await collector.store.records(hostID: host.hostID, afterSeq: 0, limit: 100) == local)

                    // The host keeps the latest cosigned checkpoint, cosigned by the pinned witness.
                    let note = try await temp.store.pool.read { db in try String.fetchOne(db, sql: "SELECT cosigned_note FROM fleet_host") }
                    let cosigned = try SignedCheckpoint(text: try #require(note))
                    #expect(cosigned.checkpoint == Checkpoint(origin: host.hostID, size: 32, head: local[31].hash))
                    #expect(cosigned.cosignatureTime(witness: collector.witness.publicKey, name: collector.witness.name) != nil)

                    // Rewritten locally (and re-hashed to the end): the collector refuses, naming it.
                    try await Self.rewriteAndRehash(temp.store, from: 27)
                    try await temp.store.writer.write { db in try db.execute(sql: "UPDATE fleet_host SET shipped_seq = 22") }
                    do {
                        _ = try await restarted.shipOnce()
                        Issue.record("a rewritten chain was accepted")
                    } catch let FleetShipError.refused(status, kind, message) {
                        #expect(status == 409 && kind == "fork" && message.contains("another head at the cosigned size 32"), "\(message)")
                    }
                    #expect(try await postgres.psql("SELECT kind FROM alerts") == "fork\n")

                    // `audit verify`'s comparison with the kept cosigned checkpoint names what is gone.
                    func finding() async throws -> CosignedCheckpointCheck.Finding? {
                        try await temp.store.pool.read { db in try CosignedCheckpointCheck.check(db) }
                    }
                    #expect(try await finding()?.seq == 32)
                    #expect(try await finding()?.reason.contains("record 32 is not the one the fleet collector cosigned") == true)
                    try await temp.store.writer.write { db in
                        try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_delete")
                        try db.execute(sql: "DELETE FROM audit_log WHERE seq > 22")
                    }
                    #expect(try await finding()?.seq == 23)
                    #expect(try await finding()?.reason.hasPrefix("records 23…32 are missing: the fleet collector cosigned 32 records on ") == true)
                    try await temp.store.writer.write { db in try db.execute(sql: "DELETE FROM audit_log") }
                    #expect(try await finding()?.reason.hasPrefix("all records are gone: records 1…32 were cosigned") == true)
                }
            }
        }
    }

    /// What a local attacker with the database can do: change a record and recompute every later hash.
    static func rewriteAndRehash(_ store: Store, from seq: Int64) async throws {
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_update")
            let records = try AuditRecord.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq", arguments: [seq])
            var previous = try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [seq - 1]) ?? AuditRecord.genesisHash
            for var record in records {
                if record.seq == seq { record.outcome = "error" }
                record.prevHash = previous
                record.hash = record.computedHash()
                previous = record.hash
                try db.execute(
                    sql: "UPDATE audit_log SET outcome = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [record.outcome, record.prevHash, record.hash, record.seq])
            }
        }
    }
}

/// A count shared with a `@Sendable` closure.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
