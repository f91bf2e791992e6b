import Crypto
import Foundation
import GatehouseAudit

/// The witness rule: a shipment is accepted only if it extends the last cosigned checkpoint.
///
/// Pure (no database), so the collector's decision can be tested on its own and the same rule
/// re-verifies a stored chain (`fleet verify`).
public struct ChainExtension: Sendable {
    /// The last checkpoint cosigned for this host, if any.
    public let cosigned: Checkpoint?
    /// The key registered for the host.
    public let hostKey: Curve25519.Signing.PublicKey
    /// The host id the collector knows the sender as.
    public let hostID: String

    /// A rule for `hostID`, whose last cosigned checkpoint is `cosigned`.
    public init(hostID: String, hostKey: Curve25519.Signing.PublicKey, cosigned: Checkpoint?) {
        self.hostID = hostID
        self.hostKey = hostKey
        self.cosigned = cosigned
    }

    /// What to store: the records after the cosigned size (earlier ones arrived before).
    public struct Accepted: Sendable {
        /// The checkpoint to cosign.
        public let checkpoint: SignedCheckpoint
        /// Records new to the collector, in order.
        public let newRecords: [AuditRecord]
        /// Seqs at or below the cosigned size that came again; the caller checks them against storage.
        public let resent: [AuditRecord]
    }

    /// Checks a shipment; the accepted part, or why it is refused.
    public func check(_ checkpoint: SignedCheckpoint, records: [AuditRecord]) throws(ChainRefusal) -> Accepted {
        let claimed = checkpoint.checkpoint
        guard claimed.origin == hostID else {
            throw ChainRefusal(.wrongOrigin, "the checkpoint is for host \(claimed.origin), but was sent as host \(hostID)")
        }
        guard checkpoint.isSigned(byHost: hostKey) else {
            throw ChainRefusal(.badSignature, "the checkpoint at size \(claimed.size) is not signed by the key registered for host \(hostID)")
        }
        let base = cosigned ?? Checkpoint(origin: hostID, size: 0, head: AuditRecord.genesisHash)
        if claimed.size < base.size {
            throw ChainRefusal(
                .rollback,
                "host \(hostID) presented size \(claimed.size), smaller than the cosigned size \(base.size): records \(claimed.size + 1)…\(base.size) would be gone"
            )
        }
        if claimed.size == base.size, claimed.head != base.head {
            throw ChainRefusal(.fork, "host \(hostID) presented another head at the cosigned size \(base.size)")
        }
        // Seqs must run without gaps, and every record's hash must be its own.
        var expectedSeq = records.first?.seq ?? (claimed.size + 1)
        for record in records {
            guard record.seq == expectedSeq else {
                throw ChainRefusal(.gap, "host \(hostID) sent seq \(record.seq) where \(expectedSeq) was due")
            }
            guard record.computedHash() == record.hash else {
                throw ChainRefusal(.brokenChain, "record \(record.seq) of host \(hostID) does not hash to its stored hash")
            }
            expectedSeq += 1
        }
        let resent = records.filter { $0.seq <= base.size }
        // A resent record at the cosigned size must be the cosigned head; earlier ones the caller checks against storage.
        if let atHead = resent.last, atHead.seq == base.size, atHead.hash != base.head {
            throw ChainRefusal(.rewrite, "record \(atHead.seq) of host \(hostID) is not the one under the cosigned checkpoint: history was rewritten")
        }
        let fresh = records.filter { $0.seq > base.size }
        if let first = fresh.first {
            guard first.seq == base.size + 1 else {
                throw ChainRefusal(
                    .gap,
                    "host \(hostID) sent from seq \(first.seq), but the collector has up to \(base.size): records \(base.size + 1)…\(first.seq - 1) are missing"
                )
            }
        } else if claimed.size > base.size {
            throw ChainRefusal(.gap, "host \(hostID) claims size \(claimed.size) but sent no records after \(base.size)")
        }
        var previous = base.head
        for record in fresh {
            guard record.prevHash == previous else {
                let what = record.seq == base.size + 1 ? "the cosigned head at size \(base.size)" : "record \(record.seq - 1)"
                throw ChainRefusal(.fork, "record \(record.seq) of host \(hostID) does not continue from \(what)")
            }
            previous = record.hash
        }
        if let last = fresh.last {
            guard last.seq == claimed.size, last.hash == claimed.head else {
                throw ChainRefusal(
                    .checkpointMismatch, "the checkpoint says size \(claimed.size), but the records end at \(last.seq) with another head")
            }
        }
        return Accepted(checkpoint: checkpoint, newRecords: fresh, resent: resent)
    }
}
