import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite
import GatehouseAudit
import GatehouseStore

extension Bench {
    /// The audit log's own cost, without the RPC layer: appends vs raw SQLite inserts of the same rows.
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit appends in group commits vs raw SQLite inserts of the same rows (in-process, one thread).")

        @Option(help: "Records per run.") var records: Int = 60_000
        @Option(help: "Records per transaction (group commit size).") var batch: [Int] = [1, 28]
        @Option(help: "Rounds per target, alternating; medians are reported.") var rounds: Int = 3
        @Flag(help: "Only AuditLog.append, no baselines (for perf record, or A/B runs of two builds).") var appendOnly = false

        func run() throws {
            print("gatehouse-bench audit: \(records) records per run, \(rounds) rounds, medians; µs per record on the committing thread")
            print("batch  raw insert  + audit indexes  AuditLog.append  append/raw  append/indexed")
            for size in batch {
                var raw: [Double] = []
                var indexed: [Double] = []
                var audited: [Double] = []
                for _ in 0..<rounds {
                    if !appendOnly {
                        raw.append(try RawInserts(indexes: false).microsPerRecord(records: records, batch: size))
                        indexed.append(try RawInserts(indexes: true).microsPerRecord(records: records, batch: size))
                    }
                    audited.append(try Self.appendMicrosPerRecord(records: records, batch: size))
                }
                let (r, i, a) = (RPC.median(raw), RPC.median(indexed), RPC.median(audited))
                print(String(format: "%5d  %10.2f  %15.2f  %15.2f  %10.2f  %14.2f", size, r, i, a, a / r, a / i))
            }
        }

        /// `AuditLog.append` of ping-like records, `batch` per group commit, committed inline on this thread.
        static func appendMicrosPerRecord(records: Int, batch: Int) throws -> Double {
            let directory = try WorkDirectory("gh-bench-audit")
            defer { directory.remove() }
            let store = try Store(path: directory.path + "/audit.db")
            defer { store.close() }
            let audit = AuditLog(store: store)
            let peer = AuditPeer(uid: 1000, gid: 1000, pid: 4242, executable: "/usr/local/bin/gatehouse-bench")
            let started = DispatchTime.now().uptimeNanoseconds
            var id = 0
            let committed = DispatchSemaphore(value: 0)
            while id < records {
                let appends = (0..<batch).map { index in
                    id += 1
                    return AuditLog.Append(
                        AuditEntry(
                            requestID: String(id), peer: peer, callerClass: "automation", method: "system.ping")
                    ) { _ in
                        if index == batch - 1 { committed.signal() }
                    }
                }
                // Inline on an idle writer (committed before `append` returns), as the RPC path does.
                audit.append(appends, inlineWhenIdle: true)
                committed.wait()
            }
            return Double(DispatchTime.now().uptimeNanoseconds - started) / 1000 / Double(id)
        }
    }
}

/// The baseline: rows shaped like a ping's audit record, inserted through SQLite's C API on one
/// prepared statement, `batch` per transaction, into a `Store` of its own: the same schema (from the
/// migrations), pragmas and checkpointer as the appends, minus the audit log's own work.
private struct RawInserts {
    let indexes: Bool

    func microsPerRecord(records: Int, batch: Int) throws -> Double {
        let directory = try WorkDirectory("gh-bench-audit")
        defer { directory.remove() }
        let store = try Store(path: directory.path + "/raw.db")
        defer { store.close() }
        return try store.pool.writeWithoutTransaction { db in
            if !indexes {
                let names = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' AND sql IS NOT NULL")
                for name in names { try db.execute(sql: "DROP INDEX \(name)") }
            }
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO audit_log(at, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class, method,
                        params, decision, outcome, duration_us, prev_hash, hash)
                    VALUES (?, ?, 1000, 1000, 4242, '/usr/local/bin/gatehouse-bench', 'automation', 'system.ping',
                        'null', 'none', 'ok', 12, ?, ?)
                    """)
            let insert = statement.sqliteStatement
            let begin = try db.makeStatement(sql: "BEGIN IMMEDIATE")
            let commit = try db.makeStatement(sql: "COMMIT")
            var hash = [UInt8](repeating: 0x5A, count: 32)
            let started = DispatchTime.now().uptimeNanoseconds
            var id = 0
            while id < records {
                try begin.execute()
                for _ in 0..<batch {
                    id += 1
                    let at = Timestamp.string(Date())
                    let requestID = String(id)
                    hash[id % 32] &+= 1
                    sqlite3_bind_text(insert, 1, at, -1, SQLITE_TRANSIENT)
                    sqlite3_bind_text(insert, 2, requestID, -1, SQLITE_TRANSIENT)
                    sqlite3_bind_blob(insert, 3, hash, 32, SQLITE_TRANSIENT)
                    sqlite3_bind_blob(insert, 4, hash, 32, SQLITE_TRANSIENT)
                    guard sqlite3_step(insert) == SQLITE_DONE else { throw CleanExit.message("raw insert failed") }
                    sqlite3_reset(insert)
                }
                try commit.execute()
            }
            withExtendedLifetime(statement) {}
            return Double(DispatchTime.now().uptimeNanoseconds - started) / 1000 / Double(id)
        }
    }
}

/// SQLite's "copy this buffer now" destructor, which the C macro spells as a cast of -1.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
