import Foundation
import GatehouseAudit
import GatehouseCore
import Logging
import NIOCore
import PostgresNIO

/// The collector's `records` rows in PostgreSQL's COPY text format: the baseline of `fleet` and the
/// loader of `fleet-query` write the same columns the collector's INSERT does.
enum FleetRows {
    /// The columns written, in order (`received_at` takes its default).
    static let columns = [
        "host_id", "seq", "at", "at_time", "request_id", "peer_uid", "peer_gid", "peer_pid", "peer_exe", "caller_class", "principal",
        "method", "entity", "params", "decision", "rule", "outcome", "error_reason", "detail", "duration_us", "prev_hash", "hash",
    ]

    /// One row (with its newline) appended to `buffer`.
    static func append(hostID: String, _ r: AuditRecord, to buffer: inout ByteBuffer) {
        func text(_ value: String?) {
            guard let value else {
                buffer.writeStaticString("\\N")
                return
            }
            // COPY text format: backslash, tab, newline and carriage return are escaped.
            if !value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                buffer.writeString(value)
                return
            }
            for byte in value.utf8 {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        func number(_ value: Int64?) {
            if let value { buffer.writeString(String(value)) } else { buffer.writeStaticString("\\N") }
        }
        func bytes(_ value: Data) {
            // bytea's hex input form `\x…`, its backslash escaped for COPY.
            buffer.writeStaticString("\\\\x")
            buffer.writeString(value.hexString)
        }
        func tab() { buffer.writeInteger(UInt8(0x09)) }
        text(hostID)
        tab()
        number(r.seq)
        tab()
        text(r.at)
        tab()
        text(r.at)
        tab()
        text(r.requestID)
        tab()
        number(r.peerUID)
        tab()
        number(r.peerGID)
        tab()
        number(r.peerPID)
        tab()
        text(r.peerExe)
        tab()
        text(r.callerClass)
        tab()
        text(r.principal)
        tab()
        text(r.method)
        tab()
        text(r.entity)
        tab()
        text(r.params)
        tab()
        text(r.decision)
        tab()
        text(r.rule)
        tab()
        text(r.outcome)
        tab()
        text(r.errorReason)
        tab()
        text(r.detail)
        tab()
        number(r.durationUS)
        tab()
        bytes(r.prevHash)
        tab()
        bytes(r.hash)
        buffer.writeInteger(UInt8(0x0A))
    }

    /// Streams `chunks` (pre-formatted rows) into `records` with one `COPY … FROM STDIN`.
    static func copy(_ chunks: [ByteBuffer], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(table: "records", columns: columns, logger: logger) { writer in
            for chunk in chunks { try await writer.write(chunk) }
        }
    }

    /// A pool on the private server's socket, for `database`.
    static func client(_ postgres: PrivatePostgresSocket, database: String, logger: Logger) -> PostgresClient {
        PostgresClient(
            configuration: .init(unixSocketPath: postgres.path, username: postgres.user, password: nil, database: database), backgroundLogger: logger)
    }
}

/// Where the benchmark's private PostgreSQL listens.
struct PrivatePostgresSocket: Sendable {
    /// The socket path.
    var path: String
    /// The trusted superuser.
    var user: String
}
