import Crypto
import Foundation
import GRDB
import GatehouseAudit

/// Compares the local chain with the latest checkpoint the collector cosigned (kept in `fleet_host`):
/// a chain that verifies on its own may still have lost its newest records, or all of them.
public enum CosignedCheckpointCheck {
    /// What the comparison found.
    public struct Finding: Sendable, Equatable {
        /// The first seq that is missing or differs.
        public var seq: Int64
        /// A sentence naming the missing range or the differing record.
        public var reason: String
    }

    /// The cosigned checkpoint kept locally, if this host has one: size, head and when it was cosigned.
    public static func kept(_ db: Database) throws -> (checkpoint: Checkpoint, cosignedAt: Date?)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT cosigned_note, witness_key FROM fleet_host WHERE id = 1"),
            let note = row["cosigned_note"] as String?, let signed = try? SignedCheckpoint(text: note)
        else { return nil }
        let witness = (row["witness_key"] as String?).flatMap(FleetShipper.witness)
        let time = witness.flatMap { signed.cosignatureTime(witness: $0.key, name: $0.name) }
        return (signed.checkpoint, time)
    }

    /// Nil when the local chain reaches the cosigned checkpoint with the same head; otherwise what is missing or changed.
    public static func check(_ db: Database) throws -> Finding? {
        guard let kept = try kept(db), kept.checkpoint.size > 0 else { return nil }
        let (checkpoint, cosignedAt) = kept
        let when = cosignedAt.map { " on \(ISO8601DateFormatter().string(from: $0))" } ?? ""
        let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_log")
        guard let newest else {
            return Finding(seq: 1, reason: "all records are gone: records 1…\(checkpoint.size) were cosigned by the fleet collector\(when)")
        }
        guard let hash = try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [checkpoint.size]) else {
            let first = newest + 1
            return Finding(
                seq: first, reason: "records \(first)…\(checkpoint.size) are missing: the fleet collector cosigned \(checkpoint.size) records\(when)")
        }
        guard hash == checkpoint.head else {
            return Finding(
                seq: checkpoint.size,
                reason:
                    "record \(checkpoint.size) is not the one the fleet collector cosigned\(when): records up to it were deleted or rewritten and others written in their place"
            )
        }
        return nil
    }
}
