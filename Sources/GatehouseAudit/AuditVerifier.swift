import Foundation
import GRDB
import GatehouseStore

/// The result of walking the audit chain.
public struct AuditVerification: Sendable, Equatable {
    /// How many records were checked.
    public var checked: Int64
    /// The sequence number of the last record, if any.
    public var headSeq: Int64?
    /// Where the walk started when retention pruned the records before it (nil: from record 1).
    public var anchorSeq: Int64?
    /// The first record that does not fit the chain, and why; nil when the chain is intact.
    public var firstBroken: (seq: Int64, reason: String)?

    /// A verification result.
    public init(checked: Int64, headSeq: Int64?, anchorSeq: Int64? = nil, firstBroken: (seq: Int64, reason: String)?) {
        self.checked = checked
        self.headSeq = headSeq
        self.anchorSeq = anchorSeq
        self.firstBroken = firstBroken
    }

    /// True when every record fits the chain.
    public var isIntact: Bool { firstBroken == nil }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.checked == rhs.checked && lhs.headSeq == rhs.headSeq && lhs.anchorSeq == rhs.anchorSeq
            && lhs.firstBroken?.seq == rhs.firstBroken?.seq && lhs.firstBroken?.reason == rhs.firstBroken?.reason
    }
}

/// Walks the hash chain from the first record (or from the retention anchor, when records were
/// pruned, or from a given record: incremental verification) and reports the first one that was
/// changed, removed or inserted out of place.
public enum AuditVerifier {
    /// Verifies every record in `db` (streamed, so memory stays flat for any log size); with `after`,
    /// only the records after that seq (the first one's own hash checked, its link to the one before
    /// taken as stored: whoever passes `after` vouches for the chain up to there, as a cosigned
    /// checkpoint at `after + 1` does).
    public static func verify(_ db: Database, after: Int64? = nil) throws -> AuditVerification {
        let anchor = try AuditAnchor.read(db)
        let start = [anchor?.seq, after.map { $0 + 1 }].compactMap { $0 }.max()
        let cursor = try AuditRecordScan(db, from: start ?? 0)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        var walk = ChainWalk()
        func finished(_ verification: AuditVerification) -> AuditVerification {
            var verification = verification
            verification.anchorSeq = anchor?.seq
            return verification
        }
        if let start {
            // The chain must start with the record at `start` itself (the anchor record, when it is the anchor).
            let isAnchor = start == anchor?.seq
            let expected = isAnchor ? "the chain should start at record \(start), where retention pruned it" : "record \(start) should be there"
            guard let first = try cursor.nextLink(buffer: &buffer) else {
                if !isAnchor, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_log").map({ $0 < start }) == true {
                    return finished(walk.result)  // nothing after `after`: nothing new to check
                }
                return finished(AuditVerification(checked: 0, headSeq: nil, firstBroken: (start, "all records are gone: \(expected)")))
            }
            if first.seq != start {
                return finished(
                    AuditVerification(checked: 1, headSeq: first.seq, firstBroken: (start, "\(expected), but the chain starts at \(first.seq)")))
            }
            if isAnchor, let anchor, first.hash != anchor.hash {
                return finished(
                    AuditVerification(
                        checked: 1, headSeq: first.seq, firstBroken: (start, "record \(start) is not the one retention kept as the chain's start")))
            }
            walk = ChainWalk(afterSeq: start - 1, afterHash: first.prevHash)
            if let broken = walk.add(first) { return finished(broken) }
        }
        while let link = try cursor.nextLink(buffer: &buffer) {
            if let broken = walk.add(link) { return finished(broken) }
        }
        return finished(walk.result)
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
        add(seq: record.seq, prevHash: record.prevHash, hash: record.hash) { record.computedHash() }
    }

    /// Checks the next record given by its chain columns and the hash of its canonical bytes.
    mutating func add(seq: Int64, prevHash: Data, hash: Data, computedHash: () -> Data) -> AuditVerification? {
        let record = (seq: seq, prevHash: prevHash, hash: hash)
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
        if computedHash() != record.hash {
            return AuditVerification(
                checked: checked, headSeq: record.seq,
                firstBroken: (record.seq, "record \(record.seq) was altered: its content no longer matches its hash"))
        }
        previousHash = record.hash
        expectedSeq += 1
        return nil
    }

    /// Checks the next record as the verifier's scan reads it.
    mutating func add(_ link: AuditRecordScan.Link) -> AuditVerification? {
        add(seq: link.seq, prevHash: link.prevHash, hash: link.hash) { link.computedHash }
    }

    /// The hash of the last record added (the chain head so far).
    public var head: Data { previousHash }

    /// The verification of everything added, all of which fit.
    public var result: AuditVerification {
        AuditVerification(checked: checked, headSeq: checked > 0 ? expectedSeq - 1 : nil, firstBroken: nil)
    }
}
