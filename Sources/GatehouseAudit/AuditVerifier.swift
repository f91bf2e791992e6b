import Foundation
import GRDB
import GatehouseStore

/// The result of walking the audit chain.
public struct AuditVerification: Sendable, Equatable {
    /// How many records were checked.
    public var checked: Int64
    /// The sequence number of the last record, if any.
    public var headSeq: Int64?
    /// The first record that does not fit the chain, and why; nil when the chain is intact.
    public var firstBroken: (seq: Int64, reason: String)?

    /// True when every record fits the chain.
    public var isIntact: Bool { firstBroken == nil }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.checked == rhs.checked && lhs.headSeq == rhs.headSeq
            && lhs.firstBroken?.seq == rhs.firstBroken?.seq && lhs.firstBroken?.reason == rhs.firstBroken?.reason
    }
}

/// Walks the hash chain from the first record and reports the first one that was changed,
/// removed or inserted out of place.
public enum AuditVerifier {
    /// Verifies every record in `db` (streamed, so memory stays flat for any log size).
    public static func verify(_ db: Database) throws -> AuditVerification {
        var walk = ChainWalk()
        let cursor = try AuditRecord.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
        while let record = try cursor.next() {
            if let broken = walk.add(record) { return broken }
        }
        return walk.result
    }
}

/// The chain rule, one record at a time: the same walk for the host's SQLite and the collector's
/// PostgreSQL (`fleet verify`), fed in whatever pages the store reads.
public struct ChainWalk: Sendable {
    private var expectedSeq: Int64
    private var previousHash: Data
    private var checked: Int64 = 0

    /// A walk from the start of a chain (or, with both given, from a known record).
    public init(afterSeq: Int64 = 0, afterHash: Data = AuditRecord.genesisHash) {
        expectedSeq = afterSeq + 1
        previousHash = afterHash
    }

    /// Checks the next record; the verification that ends the walk if it does not fit.
    public mutating func add(_ record: AuditRecord) -> AuditVerification? {
        checked += 1
        if record.seq != expectedSeq {
            return AuditVerification(
                checked: checked, headSeq: record.seq,
                firstBroken: (expectedSeq, "record \(expectedSeq) is missing (next present is \(record.seq))"))
        }
        if record.prevHash != previousHash {
            return AuditVerification(
                checked: checked, headSeq: record.seq,
                firstBroken: (record.seq, "record \(record.seq) does not link to record \(record.seq - 1) (prev_hash differs)"))
        }
        if record.computedHash() != record.hash {
            return AuditVerification(
                checked: checked, headSeq: record.seq,
                firstBroken: (record.seq, "record \(record.seq) was altered: its content no longer matches its hash"))
        }
        previousHash = record.hash
        expectedSeq += 1
        return nil
    }

    /// The hash of the last record added (the chain head so far).
    public var head: Data { previousHash }

    /// The verification of everything added, all of which fit.
    public var result: AuditVerification {
        AuditVerification(checked: checked, headSeq: checked > 0 ? expectedSeq - 1 : nil, firstBroken: nil)
    }
}
