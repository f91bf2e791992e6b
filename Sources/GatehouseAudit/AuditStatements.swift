import Foundation
import GRDB
import GRDBSQLite

/// The audit log's two per-request statements (read the chain's head, insert a record), bound and
/// stepped through SQLite's C API on statements that GRDB prepares, caches and finalizes.
///
/// Every request appends a record, so these are the daemon's busiest SQL. GRDB's
/// `execute(arguments:)` builds an array of existential values, validates it against the
/// statement and runs its observation hooks on every call; under `gatehouse-bench rpc` that was
/// about a third of the writer's time. Binding twenty known columns directly leaves only SQLite's
/// own work. The daemon registers no GRDB observers, so skipping GRDB's hooks loses nothing.
struct AuditStatements {
    static let headSQL = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
    static let insertSQL = """
        INSERT INTO audit_log(seq, at, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class,
            principal, method, entity, params, decision, rule, outcome, error_reason, detail, duration_us,
            prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private let headStatement: Statement
    private let insertStatement: Statement

    /// Looks both statements up in `db`'s statement cache.
    init(_ db: Database) throws {
        headStatement = try db.cachedStatement(sql: Self.headSQL)
        insertStatement = try db.cachedStatement(sql: Self.insertSQL)
    }

    /// The statements for one submission's records, looked up once: finding a cached statement
    /// hashes its SQL, which for the insert is longer than most records.
    final class Cache: @unchecked Sendable {
        // Only used inside the store's write closures, which run one at a time.
        private var connection: OpaquePointer?
        private var cached: AuditStatements?

        /// The statements of `db`'s connection.
        func statements(in db: Database) throws -> AuditStatements {
            if let cached, connection == db.sqliteConnection { return cached }
            let fresh = try AuditStatements(db)
            cached = fresh
            connection = db.sqliteConnection
            return fresh
        }
    }

    /// The chain's last (seq, hash), or nil for an empty log.
    func head(in db: Database) throws -> (seq: Int64, hash: Data)? {
        let handle = headStatement.sqliteStatement
        defer { sqlite3_reset(handle) }
        switch sqlite3_step(handle) {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            let seq = sqlite3_column_int64(handle, 0)
            let count = Int(sqlite3_column_bytes(handle, 1))
            let hash = sqlite3_column_blob(handle, 1).map { Data(bytes: $0, count: count) } ?? Data()
            return (seq, hash)
        case let code:
            throw Self.error(code, in: db, sql: Self.headSQL)
        }
    }

    /// Inserts `record` as it is (seq and hashes already set).
    func insert(_ record: AuditRecord, in db: Database) throws {
        let handle = insertStatement.sqliteStatement
        var binder = Binder(handle: handle)
        binder.bind(record.seq)
        binder.bind(record.at)
        binder.bind(record.requestID)
        binder.bind(record.peerUID)
        binder.bind(record.peerGID)
        binder.bind(record.peerPID)
        binder.bind(record.peerExe)
        binder.bind(record.callerClass)
        binder.bind(record.principal)
        binder.bind(record.method)
        binder.bind(record.entity)
        binder.bind(record.params)
        binder.bind(record.decision)
        binder.bind(record.rule)
        binder.bind(record.outcome)
        binder.bind(record.errorReason)
        binder.bind(record.detail)
        binder.bind(record.durationUS)
        binder.bind(record.prevHash)
        binder.bind(record.hash)
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw Self.error(code, in: db, sql: Self.insertSQL) }
    }

    private static func error(_ code: Int32, in db: Database, sql: String) -> DatabaseError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// Binds parameters 1, 2, 3… in order; text and blobs are copied by SQLite (`SQLITE_TRANSIENT`).
    private struct Binder {
        let handle: OpaquePointer
        var index: Int32 = 0

        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        mutating func bind(_ value: Int64?) {
            index += 1
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        }

        mutating func bind(_ value: String?) {
            index += 1
            guard var value else { sqlite3_bind_null(handle, index); return }
            let index = self.index, handle = self.handle
            value.withUTF8 { bytes in
                // An empty buffer may have no address; SQLite would store NULL for it, not ''.
                if let base = bytes.baseAddress {
                    base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        _ = sqlite3_bind_text(handle, index, $0, Int32(bytes.count), Self.transient)
                    }
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                }
            }
        }

        mutating func bind(_ value: Data) {
            index += 1
            let index = self.index, handle = self.handle
            value.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress {
                    _ = sqlite3_bind_blob(handle, index, base, Int32(bytes.count), Self.transient)
                } else {
                    _ = sqlite3_bind_zeroblob(handle, index, 0)
                }
            }
        }
    }
}
