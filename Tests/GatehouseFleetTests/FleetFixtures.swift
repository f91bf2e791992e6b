import Crypto
import Foundation
import GatehouseAudit
import GatehouseFleet

/// Records and keys for fleet tests: real chains, hashed by the shared canonical writer.
enum FleetFixtures {
    /// `count` records continuing `after` (or from genesis), each hashed over its canonical bytes.
    static func chain(_ count: Int, after: AuditRecord? = nil, method: String = "catalog.get") -> [AuditRecord] {
        var previous = after?.hash ?? AuditRecord.genesisHash
        var seq = after?.seq ?? 0
        var out: [AuditRecord] = []
        for _ in 0..<count {
            seq += 1
            var record = AuditRecord(
                seq: seq, at: String(format: "2026-12-06T01:00:%02d.%06dZ", seq % 60, seq), requestID: "req-\(seq)", peerUID: 1000, peerGID: 1000,
                peerPID: 4242, peerExe: "/usr/bin/python3", callerClass: "script", principal: "alice@example.com", method: method,
                entity: "component:default/analytics-pipeline", params: "{\"ref\":\"component:default/analytics-pipeline\"}",
                decision: "allow", rule: "default", outcome: "ok", errorReason: nil, detail: nil, durationUS: 120,
                prevHash: previous, hash: Data())
            record.hash = record.computedHash()
            previous = record.hash
            out.append(record)
        }
        return out
    }

    /// The same records with record `seq` changed and every later hash recomputed: a rewrite a
    /// local attacker with the database can make.
    static func rewritten(_ records: [AuditRecord], at seq: Int64) -> [AuditRecord] {
        var previous = records.first.map(\.prevHash) ?? AuditRecord.genesisHash
        return records.map { original in
            var record = original
            if record.seq == seq { record.decision = "deny" }
            record.prevHash = previous
            record.hash = record.computedHash()
            previous = record.hash
            return record
        }
    }

    /// The host's signed checkpoint at the end of `records`.
    static func checkpoint(_ host: String, _ records: [AuditRecord], key: Curve25519.Signing.PrivateKey) throws -> SignedCheckpoint {
        let last = records.last
        return try SignedCheckpoint.sign(
            Checkpoint(origin: host, size: last?.seq ?? 0, head: last?.hash ?? AuditRecord.genesisHash), hostKey: key)
    }
}
