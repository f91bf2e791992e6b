import Crypto
import Foundation
import GRDB
import GatehouseAudit

/// Compares the local chain with the latest checkpoint the collector cosigned: a chain that verifies
/// on its own may still have lost its newest records, or all of them. The checkpoint is fetched from
/// the collector when it can be reached (so deleting the locally kept one along with the records is
/// caught too), else the one kept in `fleet_host` (or with the retention anchor) is used.
public enum CosignedCheckpointCheck {
    /// What the comparison found.
    public struct Finding: Sendable, Equatable {
        /// The first seq that is missing or differs.
        public var seq: Int64
        /// A sentence naming the missing range or the differing record.
        public var reason: String
    }

    /// A cosigned checkpoint to compare the chain with, and where it came from.
    public struct Reference: Sendable, Equatable {
        /// Where the checkpoint came from.
        public enum Source: String, Sendable {
            /// Fetched from the collector just now.
            case collector
            /// Kept in this database (the shipper's last answer, or the retention anchor's).
            case local
        }

        /// The checkpoint.
        public var checkpoint: Checkpoint
        /// When the witness cosigned it, if the cosignature was checked against the pinned witness.
        public var cosignedAt: Date?
        /// Where it came from.
        public var source: Source
    }

    /// What this host keeps about itself in the fleet: its id, the pinned witness, the kept checkpoints.
    public struct HostState: Sendable {
        /// This host's id, if it has a fleet identity.
        public var hostID: String?
        /// The witness key pinned at registration (`name`, key).
        public var witness: (name: String, key: Curve25519.Signing.PublicKey)?
        /// The latest cosigned checkpoint kept locally (by the shipper or the retention anchor), if any.
        public var kept: Reference?
    }

    /// The reference chosen for a verification, and a sentence saying which it is and why.
    public struct Choice: Sendable {
        /// The checkpoint to compare with; nil when there is none.
        public var reference: Reference?
        /// Which checkpoint was used and why (e.g. the collector could not be reached).
        public var remark: String?

        /// A choice of `reference`, explained by `remark`.
        public init(reference: Reference?, remark: String?) {
            self.reference = reference
            self.remark = remark
        }
    }

    /// The cosigned checkpoint kept locally, if this host has one: size, head and when it was cosigned.
    public static func kept(_ db: Database) throws -> (checkpoint: Checkpoint, cosignedAt: Date?)? {
        try hostState(db).kept.map { ($0.checkpoint, $0.cosignedAt) }
    }

    /// Reads the host's fleet row and the retention anchor; the larger of the two kept checkpoints.
    public static func hostState(_ db: Database) throws -> HostState {
        var state = HostState()
        var notes: [String] = []
        if let row = try Row.fetchOne(db, sql: "SELECT host_id, cosigned_note, witness_key FROM fleet_host WHERE id = 1") {
            state.hostID = row["host_id"]
            state.witness = (row["witness_key"] as String?).flatMap(FleetShipper.witness)
            if let note = row["cosigned_note"] as String? { notes.append(note) }
        }
        if let anchor = try AuditAnchor.read(db) { notes.append(anchor.cosignedNote) }
        state.kept =
            notes.compactMap { text -> Reference? in
                guard let signed = try? SignedCheckpoint(text: text) else { return nil }
                if let hostID = state.hostID, signed.checkpoint.origin != hostID { return nil }
                let time = state.witness.flatMap { signed.cosignatureTime(witness: $0.key, name: $0.name) }
                return Reference(checkpoint: signed.checkpoint, cosignedAt: time, source: .local)
            }.max { $0.checkpoint.size < $1.checkpoint.size }
        return state
    }

    /// The checkpoint to compare with: the collector's latest when it is reachable and cosigned by the
    /// pinned witness (or the locally kept one, if that is larger), else the locally kept one.
    public static func choose(_ state: HostState, collector: CollectorClient?, timeout: Duration = .seconds(5)) async -> Choice {
        let local = state.kept
        func fallback(_ why: String) -> Choice {
            guard let local else { return Choice(reference: nil, remark: "no cosigned checkpoint to compare with: \(why)") }
            return Choice(
                reference: local, remark: "compared with the locally kept cosigned checkpoint (size \(local.checkpoint.size)): \(why)")
        }
        guard let collector else {
            return Choice(reference: local, remark: local.map { "compared with the locally kept cosigned checkpoint (size \($0.checkpoint.size))" })
        }
        guard let hostID = state.hostID else {
            return fallback("this host has no fleet identity (no fleet_host row), so the collector cannot be asked")
        }
        let text: String?
        do {
            text = try await collector.latestCheckpoint(hostID: hostID, timeout: timeout)
        } catch {
            return fallback("the fleet collector could not be asked (\(error))")
        }
        guard let text else { return fallback("the fleet collector has no checkpoint for host \(hostID)") }
        guard let signed = try? SignedCheckpoint(text: text), signed.checkpoint.origin == hostID else {
            return fallback("the fleet collector's checkpoint for host \(hostID) is unreadable")
        }
        guard let witness = state.witness, let time = signed.cosignatureTime(witness: witness.key, name: witness.name) else {
            return fallback(
                state.witness == nil
                    ? "no witness key is pinned locally, so the collector's checkpoint cannot be checked"
                    : "the collector's checkpoint is not cosigned by the witness pinned at registration")
        }
        let fetched = Reference(checkpoint: signed.checkpoint, cosignedAt: time, source: .collector)
        if let local, local.checkpoint.size > fetched.checkpoint.size {
            return Choice(
                reference: local,
                remark:
                    "compared with the locally kept cosigned checkpoint (size \(local.checkpoint.size)): the collector's latest is smaller (size \(fetched.checkpoint.size))"
            )
        }
        return Choice(reference: fetched, remark: "compared with the fleet collector's latest cosigned checkpoint (size \(fetched.checkpoint.size))")
    }

    /// Nil when the local chain reaches the locally kept cosigned checkpoint with the same head.
    public static func check(_ db: Database) throws -> Finding? {
        try check(db, against: hostState(db).kept)
    }

    /// Nil when the local chain reaches `reference` with the same head (and, after pruning, when a
    /// cosigned checkpoint vouches for where the chain starts); otherwise what is missing or changed.
    public static func check(_ db: Database, against reference: Reference?) throws -> Finding? {
        let anchor = try AuditAnchor.read(db)
        guard let reference, reference.checkpoint.size > 0 else {
            guard let anchor else { return nil }
            return Finding(
                seq: anchor.seq,
                reason: "the chain starts at record \(anchor.seq) (retention pruned the ones before), but no cosigned checkpoint vouches for it")
        }
        let checkpoint = reference.checkpoint
        let by = "the fleet collector"
        let source = reference.source == .collector ? " (its latest checkpoint, fetched just now)" : " (the checkpoint kept locally)"
        let when = (reference.cosignedAt.map { " on \(ISO8601DateFormatter().string(from: $0))" } ?? "") + source
        if let anchor, checkpoint.size < anchor.seq {
            return Finding(
                seq: anchor.seq,
                reason:
                    "the chain starts at record \(anchor.seq) (retention pruned the ones before), past the \(checkpoint.size) records \(by) cosigned\(when)"
            )
        }
        let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_log")
        guard let newest else {
            return Finding(seq: 1, reason: "all records are gone: records 1…\(checkpoint.size) were cosigned by \(by)\(when)")
        }
        guard let hash = try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [checkpoint.size]) else {
            let first = newest + 1
            return Finding(seq: first, reason: "records \(first)…\(checkpoint.size) are missing: \(by) cosigned \(checkpoint.size) records\(when)")
        }
        guard hash == checkpoint.head else {
            return Finding(
                seq: checkpoint.size,
                reason:
                    "record \(checkpoint.size) is not the one \(by) cosigned\(when): records up to it were deleted or rewritten and others written in their place"
            )
        }
        return nil
    }
}
