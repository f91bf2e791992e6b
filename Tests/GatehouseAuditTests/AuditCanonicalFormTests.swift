import Crypto
import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@testable import GatehouseAudit

/// The hash covers canonical JSON; the fast path that builds it around the chain columns must
/// produce exactly what `JSONWriter` makes of the whole row, or old chains would stop verifying.
@Suite("Audit canonical form")
struct AuditCanonicalFormTests {
    static func dictionaryForm(_ r: AuditRecord) -> [UInt8] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Int64?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        let hex = r.prevHash.map { String(format: "%02x", $0) }.joined()
        return JSONWriter.bytes(
            .object([
                "seq": .int(r.seq), "at": .string(r.at), "request_id": text(r.requestID),
                "peer_uid": number(r.peerUID), "peer_gid": number(r.peerGID), "peer_pid": number(r.peerPID),
                "peer_exe": text(r.peerExe), "caller_class": text(r.callerClass), "principal": text(r.principal),
                "method": .string(r.method), "entity": text(r.entity), "params": .string(r.params),
                "decision": .string(r.decision), "rule": text(r.rule), "outcome": .string(r.outcome),
                "error_reason": text(r.errorReason), "detail": text(r.detail), "duration_us": .int(r.durationUS),
                "prev_hash": .string(hex),
            ]), sortedKeys: true)
    }

    static let full = AuditRecord(
        seq: 9_007_199_254_740_993, at: "2026-11-23T12:00:00.000001Z", requestID: "\"a\\\"b\"", peerUID: 1000, peerGID: 1000,
        peerPID: 4242, peerExe: "/usr/bin/pyth\u{00f6}n3", callerClass: "automation", principal: "alice@example.com",
        method: "job.submit", entity: "component:default/svc", params: #"{"k":"line\nbreak"}"#, decision: "allow",
        rule: "owner", outcome: "ok", errorReason: "x\u{0001}y", detail: #"{"reason":"tab\there"}"#, durationUS: 17,
        prevHash: Data((0..<32).map { UInt8($0 * 7 % 256) }), hash: Data())

    static let sparse = AuditRecord(
        seq: 1, at: "2026-11-23T12:00:00Z", requestID: nil, peerUID: nil, peerGID: nil, peerPID: nil, peerExe: nil,
        callerClass: nil, principal: nil, method: "system.ping", entity: nil, params: "null", decision: "none", rule: nil,
        outcome: "ok", errorReason: nil, detail: nil, durationUS: 0, prevHash: AuditRecord.genesisHash, hash: Data())

    @Test(arguments: [full, sparse])
    func templateMatchesWholeRowJSON(_ record: AuditRecord) {
        #expect(record.canonicalBytes() == Self.dictionaryForm(record))
    }

    /// The hash is fed in pieces; it must be the hash of the previous hash and the whole bytes.
    @Test(arguments: [full, sparse, negativeSeq])
    func hashCoversPreviousHashAndWholeRow(_ record: AuditRecord) {
        var hasher = SHA256()
        hasher.update(data: record.prevHash)
        hasher.update(data: Self.dictionaryForm(record))
        #expect(record.computedHash() == Data(hasher.finalize()))
    }

    static let negativeSeq: AuditRecord = {
        var record = full
        record.seq = .min
        record.prevHash = Data([0xAB, 0x01])
        return record
    }()
}
