import ArgumentParser
import Crypto
import Foundation
import GRDB
import GRDBSQLite
import GatehouseAudit
import GatehouseCore
import GatehouseStore

extension Bench {
    /// `audit verify`'s walk over a log of N records, beside reading the same rows with no hashing and
    /// reading them plus one SHA-256 over each row's column bytes (the least a verifier must do).
    struct AuditVerify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit-verify",
            abstract: "Full and incremental audit verify vs reading the same rows (with and without raw SHA-256), in-process.")

        @Option(help: "Records in the log.") var records: Int = 1_000_000
        @Option(help: "Rounds per target, alternating; medians are reported.") var rounds: Int = 3

        func run() throws {
            let directory = try WorkDirectory("gh-bench-verify")
            defer { directory.remove() }
            let store = try Store(path: directory.path + "/audit.db")
            defer { store.close() }
            let fillStarted = DispatchTime.now().uptimeNanoseconds
            try Self.fill(store, records: records)
            let fillSeconds = Double(DispatchTime.now().uptimeNanoseconds - fillStarted) / 1e9
            let size = ((try? FileManager.default.attributesOfItem(atPath: store.path))?[.size] as? NSNumber)?.int64Value ?? 0
            print(
                "gatehouse-bench audit-verify: \(records) records (\(size / Int64(max(records, 1))) bytes each on disk, filled in \(String(format: "%.1f", fillSeconds)) s), \(rounds) rounds, medians"
            )
            var read: [Double] = []
            var hashed: [Double] = []
            var full: [Double] = []
            var incremental: [Double] = []
            let tail = max(1, records / 100)
            for _ in 0..<rounds {
                read.append(try Self.seconds { _ = try store.pool.read { db in try Self.readRows(db, hash: false) } })
                hashed.append(try Self.seconds { _ = try store.pool.read { db in try Self.readRows(db, hash: true) } })
                full.append(
                    try Self.seconds {
                        let report = try store.pool.read { db in try AuditVerifier.verify(db) }
                        guard report.isIntact, report.checked == Int64(records) else { throw CleanExit.message("verify failed: \(report)") }
                    })
                incremental.append(
                    try Self.seconds {
                        let from = Int64(records - tail)
                        let report = try store.pool.read { db in try AuditVerifier.verify(db, after: from) }
                        guard report.isIntact, report.checked == Int64(tail) else { throw CleanExit.message("verify failed: \(report)") }
                    })
            }
            let perMillion = 1e6 / Double(records)
            let (r, h, f, i) = (RPC.median(read), RPC.median(hashed), RPC.median(full), RPC.median(incremental))
            print("target                          seconds  s per 1M records  vs read+sha256")
            for (name, value) in [
                ("read rows (no hashing)", r), ("read rows + SHA-256 of columns", h), ("audit verify --full", f),
                ("audit verify (last \(tail))", i),
            ] {
                print(
                    name.padding(toLength: 30, withPad: " ", startingAt: 0)
                        + String(format: "  %7.3f  %16.3f  %14.2f", value, value * perMillion, value / h))
            }
        }

        static func seconds(_ body: () throws -> Void) throws -> Double {
            let started = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        }

        /// Ping-like records from a few callers, appended in group commits of 512.
        static func fill(_ store: Store, records: Int) throws {
            let audit = AuditLog(store: store)
            let peers = (0..<4).map { AuditPeer(uid: 1000, gid: 1000, pid: Int32(4242 + $0), executable: "/usr/local/bin/tool-\($0)") }
            var id = 0
            let committed = DispatchSemaphore(value: 0)
            while id < records {
                let batch = min(512, records - id)
                let appends = (0..<batch).map { index in
                    id += 1
                    return AuditLog.Append(
                        AuditEntry(
                            requestID: String(id), peer: peers[id % 4], callerClass: "automation", principal: "alice@example.com",
                            method: id % 3 == 0 ? "catalog.get" : "system.ping", entity: id % 3 == 0 ? "component:default/analytics-pipeline" : nil,
                            params: id % 3 == 0 ? ["ref": "component:default/analytics-pipeline"] : .null, decision: .allow, rule: "default",
                            durationMicros: Int64(id % 977))
                    ) { _ in
                        if index == batch - 1 { committed.signal() }
                    }
                }
                audit.append(appends, inlineWhenIdle: true)
                committed.wait()
            }
        }

        /// Steps every row touching every column; with `hash`, one SHA-256 over all the row's bytes.
        static func readRows(_ db: Database, hash: Bool) throws -> Int {
            let statement = try db.makeStatement(sql: "SELECT * FROM audit_log ORDER BY seq")
            let handle = statement.sqliteStatement
            let columns = sqlite3_column_count(handle)
            var rows = 0
            var checksum = 0
            while sqlite3_step(handle) == SQLITE_ROW {
                rows += 1
                var hasher = SHA256()
                for column in 0..<columns {
                    let count = Int(sqlite3_column_bytes(handle, column))
                    guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { continue }
                    if hash { hasher.update(bufferPointer: UnsafeRawBufferPointer(start: bytes, count: count)) }
                    checksum &+= count
                }
                if hash { checksum &+= Int(hasher.finalize().withUnsafeBytes { $0[0] }) }
            }
            withExtendedLifetime(statement) {}
            return rows &+ checksum & 1
        }
    }
}
