import Crypto
import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import GatehouseTestSupport
import Testing

/// Local retention: records older than the retention and covered by the cosigned checkpoint are
/// pruned through the one guarded path; the chain then verifies from its anchor.
@Suite struct LocalRetentionTests {
    let witnessKey = Curve25519.Signing.PrivateKey()
    let witnessName = "witness.example"

    /// A host with 30 records (1…25 two days old, 26…30 now) and a kept checkpoint at `cosignedSize`,
    /// cosigned by a witness pinned as at registration.
    func host(cosignedSize: Int64) async throws -> (TemporaryStore, HostIdentity) {
        let temp = try TemporaryStore()
        let audit = AuditLog(store: temp.store)
        let old = Date().addingTimeInterval(-2 * 86_400)
        for index in 0..<30 {
            _ = try await audit.append(
                AuditEntry(at: index < 25 ? old.addingTimeInterval(Double(index)) : Date(), principal: "alice@example.com", method: "catalog.get"))
        }
        let host = try await HostIdentity.loadOrCreate(store: temp.store, sealer: Sealer(key: SymmetricKey(size: .bits256)), hostName: "alice-laptop")
        try await keep(cosignedSize, in: temp.store, host: host)
        return (temp, host)
    }

    /// Stores the witness-cosigned checkpoint at `size` in `fleet_host`, as the shipper does.
    func keep(_ size: Int64, in store: Store, host: HostIdentity) async throws {
        let head = try #require(
            try await store.pool.read { db in try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [size]) })
        let note = try SignedCheckpoint.sign(Checkpoint(origin: host.hostID, size: size, head: head), hostKey: host.key)
            .cosigned(by: witnessKey, name: witnessName, at: Date()).text
        let pinned = "\(witnessName) \(witnessKey.publicKey.rawRepresentation.base64EncodedString())"
        try await store.writer.write { db in
            try db.execute(
                sql: "UPDATE fleet_host SET shipped_seq = ?, cosigned_note = ?, cosigned_size = ?, witness_key = ? WHERE id = 1",
                arguments: [size, note, size, pinned])
        }
    }

    func verify(_ store: Store) async throws -> (AuditVerification, CosignedCheckpointCheck.Finding?) {
        try await store.pool.read { db in (try AuditVerifier.verify(db), try CosignedCheckpointCheck.check(db)) }
    }

    @Test func prunesOnlyOldCosignedRecordsAndVerifiesFromTheAnchor() async throws {
        let (temp, host) = try await host(cosignedSize: 20)
        defer { temp.store.close() }
        // Nothing younger than the retention goes, even if cosigned; nothing uncosigned goes, even if old.
        let retention = LocalRetention(store: temp.store, retention: 86_400, chunk: 7)
        #expect(try await retention.prune() == LocalRetention.Pass(pruned: 19, anchorSeq: 20))
        #expect(try await temp.store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM audit_log ORDER BY seq") } == Array(20...30))
        var (report, finding) = try await verify(temp.store)
        #expect(report.isIntact && report.anchorSeq == 20 && report.checked == 11 && report.headSeq == 30, "\(report)")
        #expect(finding == nil)
        #expect(try await retention.prune().pruned == 0)

        // The chain goes on from there; a later cosigned checkpoint moves the anchor, but never past
        // the first record younger than the retention (26).
        _ = try await AuditLog(store: temp.store).append(AuditEntry(method: "catalog.get"))
        try await keep(31, in: temp.store, host: host)
        #expect(try await retention.prune() == LocalRetention.Pass(pruned: 6, anchorSeq: 26))
        (report, finding) = try await verify(temp.store)
        #expect(report.isIntact && report.anchorSeq == 26 && report.checked == 6 && finding == nil, "\(report) \(String(describing: finding))")

        // Outside the pruning transaction the log stays append-only, and the guard cannot reach past the anchor.
        await #expect(throws: DatabaseError.self) {
            try await temp.store.writer.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 27") }
        }
        await #expect(throws: DatabaseError.self) {
            try await temp.store.writer.write { db in
                try db.execute(sql: "INSERT INTO audit_pruning (id, below_seq) VALUES (1, 28)")
                try db.execute(sql: "DELETE FROM audit_log WHERE seq = 27")
            }
        }
        await #expect(throws: DatabaseError.self) {
            try await temp.store.writer.write { db in try db.execute(sql: "UPDATE audit_anchor SET seq = 1") }
        }
        #expect(try await temp.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") } == 6)
    }

    @Test func keepsEverythingWithoutACosignedCheckpointOrWhenTheLocalHeadDiffers() async throws {
        let (temp, _) = try await host(cosignedSize: 20)
        defer { temp.store.close() }
        // A cosignature by another witness than the pinned one covers nothing.
        try await temp.store.writer.write { db in
            try db.execute(
                sql: "UPDATE fleet_host SET witness_key = ?",
                arguments: ["other \(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString())"])
        }
        #expect(try await LocalRetention(store: temp.store, retention: 3_600).prune().pruned == 0)
        try await temp.store.writer.write { db in try db.execute(sql: "UPDATE fleet_host SET witness_key = NULL, cosigned_note = NULL") }
        #expect(try await LocalRetention(store: temp.store, retention: 3_600).prune().pruned == 0)
        #expect(try await temp.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") } == 30)
    }

    @Test func tamperingAroundTheAnchorIsReported() async throws {
        let (temp, _) = try await host(cosignedSize: 20)
        defer { temp.store.close() }
        _ = try await LocalRetention(store: temp.store, retention: 86_400).prune()
        // The anchor record deleted by hand (the trigger dropped): the chain no longer starts where retention left it.
        try await temp.store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "DELETE FROM audit_log WHERE seq <= 21")
        }
        let (report, _) = try await verify(temp.store)
        #expect(report.firstBroken?.seq == 20)
        #expect(report.firstBroken?.reason == "the chain should start at record 20, where retention pruned it, but the chain starts at 22")

        // Without any cosigned checkpoint, nothing vouches for a chain that starts after record 1.
        try await temp.store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_anchor_no_delete")
            try db.execute(sql: "UPDATE audit_anchor SET seq = 22, hash = (SELECT hash FROM audit_log WHERE seq = 22), cosigned_note = 'x'")
            try db.execute(sql: "UPDATE fleet_host SET cosigned_note = NULL")
        }
        let (again, finding) = try await verify(temp.store)
        #expect(again.isIntact && again.anchorSeq == 22)
        #expect(
            finding?.reason.contains("the chain starts at record 22 (retention pruned the ones before), but no cosigned checkpoint vouches for it")
                == true)
    }

    @Test func verifyFallsBackToTheKeptCheckpointWhenTheCollectorCannotBeReached() async throws {
        let (temp, _) = try await host(cosignedSize: 30)
        defer { temp.store.close() }
        let http = HTTPClient()
        defer { http.shutdown() }
        // Port 9 on loopback: nothing listens.
        let state = try await temp.store.pool.read { db in try CosignedCheckpointCheck.hostState(db) }
        let choice = await CosignedCheckpointCheck.choose(
            state, collector: CollectorClient(baseURL: "http://127.0.0.1:9", http: http), timeout: .seconds(2))
        #expect(choice.reference?.source == .local && choice.reference?.checkpoint.size == 30)
        #expect(
            choice.remark?.hasPrefix("compared with the locally kept cosigned checkpoint (size 30): the fleet collector could not be asked") == true)
        // No collector configured: the kept one, said so.
        let offline = await CosignedCheckpointCheck.choose(state, collector: nil)
        #expect(offline.reference?.source == .local && offline.remark == "compared with the locally kept cosigned checkpoint (size 30)")
    }
}
