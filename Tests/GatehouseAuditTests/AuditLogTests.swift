import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import Testing

@Suite("Audit log")
struct AuditLogTests {
    func filled(_ count: Int) async throws -> (TemporaryStore, AuditLog) {
        let temp = try TemporaryStore()
        let log = AuditLog(store: temp.store)
        for index in 0..<count {
            try await log.append(
                AuditEntry(
                    principal: index.isMultiple(of: 2) ? "alice@example.com" : "bob@example.com",
                    method: index.isMultiple(of: 3) ? "job.submit" : "catalog.get", entity: "component:default/svc-\(index % 4)",
                    params: ["n": .int(Int64(index)), "client_secret": "hunter2-secret"],
                    decision: index.isMultiple(of: 5) ? .deny : .allow, outcome: index.isMultiple(of: 5) ? .error : .ok))
        }
        return (temp, log)
    }

    @Test func recordsChainAndVerify() async throws {
        let (temp, _) = try await filled(50)
        let report = try await temp.store.pool.read { try AuditVerifier.verify($0) }
        #expect(report.isIntact)
        #expect(report.checked == 50 && report.headSeq == 50)
        let records = try await temp.store.pool.read { try AuditRecord.fetchAll($0, sql: "SELECT * FROM audit_log ORDER BY seq") }
        #expect(records.first?.prevHash == AuditRecord.genesisHash)
        for (previous, next) in zip(records, records.dropFirst()) {
            #expect(next.prevHash == previous.hash)
        }
    }

    @Test func everyColumnIsStoredExactlyAsGiven() async throws {
        let temp = try TemporaryStore()
        let log = AuditLog(store: temp.store)
        // Empty text stays text (not NULL), non-ASCII survives, absent fields are NULL, and a caller's NUL
        // (which readers would cut the text at) is stored as U+FFFD, so the record still verifies.
        let entry = AuditEntry(
            requestID: #""r\u00001""#, peer: AuditPeer(uid: 1000, gid: 100, pid: 4242, executable: "/usr/bin/pythön3"),
            callerClass: "", principal: "ålice@example.com", method: "job.sub\u{0}mit", params: ["k": "v"],
            decision: .allow, rule: nil, outcome: .error, errorReason: "", durationMicros: 17)
        let seq = try await log.append(entry)
        let stored = try await temp.store.pool.read { try AuditRecord.fetchOne($0, sql: "SELECT * FROM audit_log WHERE seq = ?", arguments: [seq]) }
        let record = try #require(stored)
        #expect(record.requestID == #""r\u00001""#)
        #expect(record.peerUID == 1000 && record.peerGID == 100 && record.peerPID == 4242 && record.peerExe == "/usr/bin/pythön3")
        #expect(record.callerClass == "" && record.errorReason == "")
        #expect(record.principal == "ålice@example.com" && record.method == "job.sub\u{FFFD}mit")
        #expect(record.entity == nil && record.rule == nil && record.detail == nil)
        #expect(record.params == #"{"k":"v"}"# && record.decision == "allow" && record.outcome == "error" && record.durationUS == 17)
        #expect(record.prevHash == AuditRecord.genesisHash && record.hash == record.computedHash())
        let kinds = try await temp.store.pool.read {
            try String.fetchAll($0, sql: "SELECT typeof(caller_class) || typeof(rule) || typeof(hash) FROM audit_log")
        }
        #expect(kinds == ["textnullblob"])
        try await #expect(temp.store.pool.read { try AuditVerifier.verify($0) }.isIntact)
    }

    @Test func secretsInParamsAreRedactedBeforeStorage() async throws {
        let (temp, _) = try await filled(3)
        let params = try await temp.store.pool.read { try String.fetchAll($0, sql: "SELECT params FROM audit_log") }
        #expect(params.allSatisfy { !$0.contains("hunter2") && $0.contains(Redaction.placeholder) })
        temp.store.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: temp.path))
        #expect(bytes.range(of: Data("hunter2".utf8)) == nil)
    }

    @Test func theDatabaseRefusesUpdateAndDelete() async throws {
        let (temp, _) = try await filled(3)
        #expect(throws: DatabaseError.self) { try temp.store.pool.write { try $0.execute(sql: "UPDATE audit_log SET method = 'x' WHERE seq = 2") } }
        #expect(throws: DatabaseError.self) { try temp.store.pool.write { try $0.execute(sql: "DELETE FROM audit_log WHERE seq = 3") } }
        try await #expect(temp.store.pool.read { try AuditVerifier.verify($0) }.isIntact)
    }

    @Test(arguments: [
        ("UPDATE audit_log SET method = 'catalog.gex' WHERE seq = 17", Int64(17), "altered"),
        ("UPDATE audit_log SET params = '{}' WHERE seq = 3", Int64(3), "altered"),
        ("DELETE FROM audit_log WHERE seq = 30", Int64(30), "missing"),
        ("UPDATE audit_log SET prev_hash = zeroblob(32) WHERE seq = 9", Int64(9), "does not link"),
    ])
    func tamperingIsFoundAtTheRecordItHappened(sql: String, seq: Int64, words: String) async throws {
        let (temp, _) = try await filled(40)
        try await temp.store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: sql)
        }
        let report = try await temp.store.pool.read { try AuditVerifier.verify($0) }
        #expect(report.firstBroken?.seq == seq)
        #expect(report.firstBroken?.reason.contains(words) == true)
    }

    @Test func queriesFilterAndPage() async throws {
        let (temp, _) = try await filled(60)
        try await temp.store.pool.read { db in
            var query = AuditQuery()
            query.principal = "alice@example.com"
            query.method = "job.submit"
            let page = try query.run(db)
            #expect(page.records.count == 10)  // even multiples of 3 below 60
            #expect(page.records.allSatisfy { $0.principal == "alice@example.com" && $0.method == "job.submit" })

            var denied = AuditQuery()
            denied.decision = .deny
            denied.limit = 5
            let first = try denied.run(db)
            #expect(first.records.count == 5 && first.nextCursor != nil)
            denied.cursor = first.nextCursor
            let second = try denied.run(db)
            #expect(second.records.count == 5 && second.records.first!.seq > first.records.last!.seq)
            denied.cursor = second.nextCursor
            let third = try denied.run(db)
            #expect(third.records.count == 2 && third.nextCursor == nil)  // 12 denials: 5 + 5 + 2

            var newest = AuditQuery()
            newest.order = .desc
            newest.limit = 1
            #expect(try newest.run(db).records.first?.seq == 60)

            var recent = AuditQuery()
            recent.since = "5m"
            #expect(try recent.run(db).records.count == 60)
            var future = AuditQuery()
            future.since = "2999-01-01T00:00:00Z"
            #expect(try future.run(db).records.isEmpty)
            var bad = AuditQuery()
            bad.since = "yesterday"
            #expect(throws: AuditQueryError.self) { try bad.run(db) }
        }
    }

    @Test func aFailingStateChangeLeavesNoRecord() async throws {
        let temp = try TemporaryStore()
        let log = AuditLog(store: temp.store)
        try await log.append(AuditEntry(method: "first"))
        await #expect(throws: (any Error).self) {
            try await log.append(AuditEntry(method: "second")) { db in try db.execute(sql: "INSERT INTO nowhere VALUES (1)") }
        }
        try await log.append(AuditEntry(method: "third"))
        let methods = try await temp.store.pool.read { try String.fetchAll($0, sql: "SELECT method FROM audit_log ORDER BY seq") }
        #expect(methods == ["first", "third"])
        try await #expect(temp.store.pool.read { try AuditVerifier.verify($0) }.isIntact)
    }
}
