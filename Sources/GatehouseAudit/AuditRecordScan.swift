import Foundation
import GRDB
import GRDBSQLite

/// Audit records in seq order, read straight through SQLite's C API on one statement.
///
/// `audit verify` reads every record; GRDB's Codable decoding of twenty named columns was most of its
/// time (5.0 s for 1.22M records). Reading the columns by position builds the same `AuditRecord`
/// (the same text SQLite hands GRDB), so the chain rule and the canonical writer stay the shared ones.
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

    /// The next record, or nil after the last.
    func next() throws -> AuditRecord? {
        let handle = statement.sqliteStatement
        switch sqlite3_step(handle) {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            return AuditRecord(
                seq: sqlite3_column_int64(handle, 0), at: Self.text(handle, 1) ?? "", requestID: Self.text(handle, 2),
                peerUID: Self.int(handle, 3), peerGID: Self.int(handle, 4), peerPID: Self.int(handle, 5), peerExe: Self.text(handle, 6),
                callerClass: Self.text(handle, 7), principal: Self.text(handle, 8), method: Self.text(handle, 9) ?? "",
                entity: Self.text(handle, 10), params: Self.text(handle, 11) ?? "", decision: Self.text(handle, 12) ?? "",
                rule: Self.text(handle, 13), outcome: Self.text(handle, 14) ?? "", errorReason: Self.text(handle, 15),
                detail: Self.text(handle, 16), durationUS: sqlite3_column_int64(handle, 17), prevHash: Self.blob(handle, 18),
                hash: Self.blob(handle, 19))
        case let code:
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: Self.sql)
        }
    }

    private static func text(_ handle: OpaquePointer, _ column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    private static func int(_ handle: OpaquePointer, _ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    private static func blob(_ handle: OpaquePointer, _ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}
