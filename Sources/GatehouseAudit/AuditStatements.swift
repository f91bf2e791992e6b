import Foundation
import GRDB
import GRDBSQLite
import GatehouseCore

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
        var row = Row(capacity: 512)
        row.add(record.seq)
        row.add(record.at)
        row.add(record.requestID)
        row.add(record.peerUID)
        row.add(record.peerGID)
        row.add(record.peerPID)
        row.add(record.peerExe)
        row.add(record.callerClass)
        row.add(record.principal)
        row.add(record.method)
        row.add(record.entity)
        row.add(record.params)
        row.add(record.decision)
        row.add(record.rule)
        row.add(record.outcome)
        row.add(record.errorReason)
        row.add(record.detail)
        row.add(record.durationUS)
        row.add(record.prevHash)
        row.add(record.hash)
        let handle = insertStatement.sqliteStatement
        let code = row.bound(to: handle) { sqlite3_step(handle) }
        guard code == SQLITE_DONE else { throw Self.error(code, in: db, sql: Self.insertSQL) }
    }

    private static func error(_ code: Int32, in db: Database, sql: String) -> DatabaseError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// One row's parameters, their text and blob bytes gathered in one buffer.
    ///
    /// SQLite would copy each text and blob it is handed (`SQLITE_TRANSIENT`): a dozen allocations
    /// per record. Bound `SQLITE_STATIC` into this buffer instead, valid while the statement runs.
    private struct Row {
        private enum Value {
            case null
            case int(Int64)
            case text(offset: Int, count: Int)
            case blob(offset: Int, count: Int)
        }

        private var bytes: [UInt8] = []
        private var values: [Value] = []

        init(capacity: Int) {
            bytes.reserveCapacity(capacity)
            values.reserveCapacity(20)
        }

        mutating func add(_ value: Int64?) {
            values.append(value.map(Value.int) ?? .null)
        }

        mutating func add(_ value: String?) {
            guard let value else { return values.append(.null) }
            let offset = bytes.count
            bytes.appendUTF8(value)
            values.append(.text(offset: offset, count: bytes.count - offset))
        }

        mutating func add(_ value: Data) {
            let offset = bytes.count
            bytes.append(contentsOf: value)
            values.append(.blob(offset: offset, count: bytes.count - offset))
        }

        /// Binds parameters 1, 2, 3… to `handle`, runs `body`, then resets the statement and clears
        /// its bindings, so no pointer into the buffer outlives this call.
        func bound(to handle: OpaquePointer, _ body: () -> Int32) -> Int32 {
            bytes.withUnsafeBufferPointer { buffer in
                defer {
                    sqlite3_reset(handle)
                    sqlite3_clear_bindings(handle)
                }
                let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
                for (position, value) in values.enumerated() {
                    let index = Int32(position + 1)
                    switch value {
                    case .null:
                        sqlite3_bind_null(handle, index)
                    case .int(let number):
                        sqlite3_bind_int64(handle, index, number)
                    case .text(let offset, let count):
                        // An empty buffer may have no address, and SQLite stores NULL for a null pointer.
                        guard count > 0, let base = buffer.baseAddress else {
                            sqlite3_bind_text(handle, index, "", 0, transient)
                            continue
                        }
                        base.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: count) {
                            _ = sqlite3_bind_text(handle, index, $0, Int32(count), nil)
                        }
                    case .blob(let offset, let count):
                        guard count > 0, let base = buffer.baseAddress else {
                            sqlite3_bind_zeroblob(handle, index, 0)
                            continue
                        }
                        sqlite3_bind_blob(handle, index, base.advanced(by: offset), Int32(count), nil)
                    }
                }
                return body()
            }
        }
    }
}
