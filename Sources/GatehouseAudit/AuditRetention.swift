import Foundation
import GRDB
import GatehouseStore

/// Where the local chain starts once retention has pruned it: the record at `seq`, kept, whose hash is
/// `hash`. Everything below it was covered by the cosigned checkpoint `cosignedNote` when it was pruned.
public struct AuditAnchor: Sendable, Equatable {
    /// The first record still kept.
    public var seq: Int64
    /// Its hash, as it was when the records below it were pruned.
    public var hash: Data
    /// The cosigned checkpoint (signed-note text) that covered the pruned records.
    public var cosignedNote: String

    /// The anchor, or nil when nothing was ever pruned (or the database predates retention).
    public static func read(_ db: Database) throws -> AuditAnchor? {
        guard try db.tableExists("audit_anchor"),
            let row = try Row.fetchOne(db, sql: "SELECT seq, hash, cosigned_note FROM audit_anchor WHERE id = 1")
        else { return nil }
        return AuditAnchor(seq: row["seq"], hash: row["hash"], cosignedNote: row["cosigned_note"])
    }
}

/// The one path that removes audit records (`schema/0014_audit_retention.sql`).
///
/// The append-only trigger lets a DELETE through only while the one-row `audit_pruning` guard is set,
/// only below the guard's seq, and the guard may not reach past the anchor. All three are set and
/// cleared inside one transaction, so no other connection ever sees the guard: outside this path,
/// deleting a record fails as it always did. A guard row (data) rather than dropping and re-creating
/// the trigger (schema): a schema change would invalidate every connection's prepared statements on
/// each pruning, and a dropped trigger is a state a bug could leave behind; a guard row is bounded by
/// the anchor even while it is set.
public enum AuditPruning {
    /// Deletes records below `seq`, at most `limit` of them (oldest first), inside the caller's
    /// transaction, and moves the anchor to the first record kept. `note` is the cosigned checkpoint
    /// that covers `seq` (the caller's promise, kept as evidence). Returns how many were deleted.
    public static func prune(below seq: Int64, coveredBy note: String, limit: Int, in db: Database) throws -> Int {
        guard let first = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM audit_log"), first < seq else { return 0 }
        let anchorSeq = min(seq, first + Int64(max(1, limit)))
        guard let hash = try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [anchorSeq]) else {
            throw AuditPruningError.missingRecord(anchorSeq)
        }
        try db.execute(
            sql: """
                INSERT INTO audit_anchor (id, seq, hash, cosigned_note, pruned_at) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cosigned_note = excluded.cosigned_note,
                    pruned_at = excluded.pruned_at
                """,
            arguments: [anchorSeq, hash, note, Timestamp.now()])
        try db.execute(sql: "INSERT INTO audit_pruning (id, below_seq) VALUES (1, ?)", arguments: [anchorSeq])
        try db.execute(sql: "DELETE FROM audit_log WHERE seq < ?", arguments: [anchorSeq])
        let deleted = db.changesCount
        try db.execute(sql: "DELETE FROM audit_pruning")
        return deleted
    }
}

/// Pruning cannot go ahead.
public enum AuditPruningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The record that would become the chain's start is not there (the chain has a gap).
    case missingRecord(Int64)

    /// A sentence.
    public var description: String {
        switch self {
        case .missingRecord(let seq): "audit record \(seq) is missing, so retention cannot start the chain there; run `gatehouse audit verify`"
        }
    }
}
