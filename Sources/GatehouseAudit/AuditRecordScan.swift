import Crypto
import Foundation
import GRDB
import GRDBSQLite
import GatehouseCore

/// Audit records in seq order, read straight through SQLite's C API on one statement, for `audit verify`.
///
/// `audit verify` reads every record; decoding each into an `AuditRecord` (GRDB's Codable decoding of
/// twenty named columns, then a `String` per column and three arrays for the canonical bytes) was
/// most of its time (5.0 s for 1.22M records). The scan writes each row's canonical bytes from the
/// column bytes SQLite holds into one reused buffer and hashes them; the chain rule stays `ChainWalk`.
struct AuditRecordScan {
    static let sql = """
        SELECT seq, at, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class, principal, method, entity, params,
            decision, rule, outcome, error_reason, detail, duration_us, prev_hash, hash
        FROM audit_log WHERE seq >= ? ORDER BY seq
        """

    private let statement: Statement
    private let db: Database

    /// A scan of the records from seq `from` on.
    init(_ db: Database, from seq: Int64) throws {
        self.db = db
        statement = try db.makeStatement(sql: Self.sql)
        try statement.setArguments([seq])
    }

    /// One row's place in the chain and the hash of its canonical bytes, computed from the columns'
    /// bytes as SQLite holds them (no `AuditRecord`, no `String`s): what `audit verify` needs.
    struct Link {
        var seq: Int64
        var prevHash: Data
        var hash: Data
        var computedHash: Data
    }

    /// The next row as a `Link`, its canonical bytes written into `buffer` (reused across rows).
    ///
    /// The members are `AuditRecord.canonicalTemplate()`'s, in the same (code-point) order, written
    /// with the same writers (`JSONWriter.writeString`, decimal, lower-case hex); every verification
    /// test runs through this path, so a difference would show as an intact chain reported broken.
    func nextLink(buffer: inout [UInt8]) throws -> Link? {
        let handle = statement.sqliteStatement
        switch sqlite3_step(handle) {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            buffer.removeAll(keepingCapacity: true)
            buffer.append(UInt8(ascii: "{"))
            func text(_ key: StaticString, _ column: Int32, nullable: Bool = true) {
                Self.key(key, into: &buffer)
                if sqlite3_column_type(handle, column) == SQLITE_NULL {
                    if nullable { buffer.appendLiteral("null") } else { buffer.appendLiteral("\"\"") }
                } else {
                    let count = Int(sqlite3_column_bytes(handle, column))
                    let bytes = sqlite3_column_text(handle, column)
                    JSONWriter.writeString(utf8: UnsafeBufferPointer(start: count > 0 ? bytes : nil, count: count), into: &buffer)
                }
                buffer.append(UInt8(ascii: ","))
            }
            func number(_ key: StaticString, _ column: Int32) {
                Self.key(key, into: &buffer)
                if sqlite3_column_type(handle, column) == SQLITE_NULL {
                    buffer.appendLiteral("null")
                } else {
                    buffer.appendDecimal(sqlite3_column_int64(handle, column))
                }
                buffer.append(UInt8(ascii: ","))
            }
            text("at", 1, nullable: false)
            text("caller_class", 7)
            text("decision", 12, nullable: false)
            text("detail", 16)
            number("duration_us", 17)
            text("entity", 10)
            text("error_reason", 15)
            text("method", 9, nullable: false)
            text("outcome", 14, nullable: false)
            text("params", 11, nullable: false)
            text("peer_exe", 6)
            number("peer_gid", 4)
            number("peer_pid", 5)
            number("peer_uid", 3)
            let prevHash = Self.blob(handle, 18)
            Self.key("prev_hash", into: &buffer)
            buffer.append(UInt8(ascii: "\""))
            buffer.appendHex(prevHash)
            buffer.appendLiteral("\",")
            text("principal", 8)
            text("request_id", 2)
            text("rule", 13)
            number("seq", 0)
            buffer[buffer.count - 1] = UInt8(ascii: "}")
            var hasher = SHA256()
            hasher.update(data: prevHash)
            buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            return Link(
                seq: sqlite3_column_int64(handle, 0), prevHash: prevHash, hash: Self.blob(handle, 19), computedHash: Data(hasher.finalize()))
        case let code:
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: Self.sql)
        }
    }

    private static func key(_ key: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.appendLiteral("\":")
    }

    private static func blob(_ handle: OpaquePointer, _ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}
