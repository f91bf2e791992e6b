import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// Why an audit write failed; the request it describes must fail too (no record, no answer).
public enum AuditError: Error, CustomStringConvertible, Sendable {
    case writeFailed(String)

    public var description: String {
        switch self {
        case .writeFailed(let detail): "the audit log could not be written, so the request was not carried out: \(detail)"
        }
    }
}

/// The append-only, hash-chained audit log.
public final class AuditLog: Sendable {
    private let writer: BatchWriter

    /// An audit log writing through `store`'s group-commit writer.
    public init(store: Store) {
        self.writer = store.writer
    }

    /// Appends `entry` (and runs `change` in the same transaction, if given); `completion` gets the
    /// record's sequence number once committed. If `change` throws, neither is kept.
    public func append(
        _ entry: AuditEntry,
        alongside change: BatchWriter.Work? = nil,
        completion: @escaping @Sendable (Result<Int64, any Error>) -> Void
    ) {
        let seq = SeqBox()
        writer.submit({ db in
            try change?(db)
            seq.value = try Self.insert(entry, in: db).seq
        }) { outcome in
            completion(outcome.map { seq.value })
        }
    }

    /// Appends `entry` and returns its sequence number once committed.
    @discardableResult
    public func append(_ entry: AuditEntry, alongside change: BatchWriter.Work? = nil) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            append(entry, alongside: change) { continuation.resume(with: $0) }
        }
    }

    /// Inserts `entry` at the head of the chain inside the caller's transaction.
    ///
    /// The head is read from the database rather than cached, so a rolled-back savepoint can never
    /// leave a stale head behind; with a cached statement on the primary key this costs a b-tree probe.
    @discardableResult
    public static func insert(_ entry: AuditEntry, in db: Database) throws -> AuditRecord {
        let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
        var record = AuditRecord(
            seq: (head?["seq"] as Int64? ?? 0) + 1,
            at: Timestamp.string(entry.at),
            requestID: entry.requestID,
            peerUID: entry.peer.map { Int64($0.uid) },
            peerGID: entry.peer.map { Int64($0.gid) },
            peerPID: entry.peer.map { Int64($0.pid) },
            peerExe: entry.peer?.executable,
            callerClass: entry.callerClass,
            principal: entry.principal,
            method: entry.method,
            entity: entry.entity,
            params: Redaction.redact(entry.params).canonicalString,
            decision: entry.decision.rawValue,
            rule: entry.rule,
            outcome: entry.outcome.rawValue,
            errorReason: entry.errorReason,
            detail: entry.detail.map { Redaction.redact($0).canonicalString },
            durationUS: entry.durationMicros,
            prevHash: head?["hash"] as Data? ?? AuditRecord.genesisHash,
            hash: Data())
        record.hash = record.computedHash()
        try db.cachedStatement(sql: """
            INSERT INTO audit_log(seq, at, request_id, peer_uid, peer_gid, peer_pid, peer_exe, caller_class,
                principal, method, entity, params, decision, rule, outcome, error_reason, detail, duration_us,
                prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                record.seq, record.at, record.requestID, record.peerUID, record.peerGID, record.peerPID,
                record.peerExe, record.callerClass, record.principal, record.method, record.entity, record.params,
                record.decision, record.rule, record.outcome, record.errorReason, record.detail, record.durationUS,
                record.prevHash, record.hash,
            ])
        return record
    }
}

/// Carries the sequence number out of the writer's closure; set before completion reads it.
private final class SeqBox: @unchecked Sendable {
    var value: Int64 = 0
}
