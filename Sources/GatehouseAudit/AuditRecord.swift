import Crypto
import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// One stored row of the audit log, exactly as it is in the database.
public struct AuditRecord: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_log"

    public var seq: Int64
    public var at: String
    public var requestID: String?
    public var peerUID: Int64?
    public var peerGID: Int64?
    public var peerPID: Int64?
    public var peerExe: String?
    public var callerClass: String?
    public var principal: String?
    public var method: String
    public var entity: String?
    /// Canonical JSON text.
    public var params: String
    public var decision: String
    public var rule: String?
    public var outcome: String
    public var errorReason: String?
    /// Canonical JSON text, if any.
    public var detail: String?
    public var durationUS: Int64
    public var prevHash: Data
    public var hash: Data

    enum CodingKeys: String, CodingKey {
        case seq, at, method, entity, params, decision, rule, outcome, detail, principal, hash
        case requestID = "request_id", peerUID = "peer_uid", peerGID = "peer_gid", peerPID = "peer_pid"
        case peerExe = "peer_exe", callerClass = "caller_class", errorReason = "error_reason"
        case durationUS = "duration_us", prevHash = "prev_hash"
    }

    /// The hash every chain starts from.
    public static let genesisHash = Data(repeating: 0, count: 32)

    /// The bytes the record's hash covers: every column but `hash`, as canonical JSON.
    ///
    /// Stored columns are hashed as stored (params and detail are already canonical text), so a
    /// verifier recomputes the same bytes from the row alone.
    public func canonicalBytes() -> [UInt8] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Int64?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        let members: [String: JSONValue] = [
            "seq": .int(seq), "at": .string(at), "request_id": text(requestID),
            "peer_uid": number(peerUID), "peer_gid": number(peerGID), "peer_pid": number(peerPID),
            "peer_exe": text(peerExe), "caller_class": text(callerClass), "principal": text(principal),
            "method": .string(method), "entity": text(entity), "params": .string(params),
            "decision": .string(decision), "rule": text(rule), "outcome": .string(outcome),
            "error_reason": text(errorReason), "detail": text(detail), "duration_us": .int(durationUS),
            "prev_hash": .string(prevHash.hexString),
        ]
        return JSONWriter.bytes(.object(members), sortedKeys: true)
    }

    /// SHA-256 over the previous hash and this record's canonical bytes.
    public func computedHash() -> Data {
        var hasher = SHA256()
        hasher.update(data: prevHash)
        hasher.update(data: canonicalBytes())
        return Data(hasher.finalize())
    }

    /// The record as JSON for `audit.query` and `audit export`.
    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func parsed(_ value: String?) -> JSONValue {
            guard let value, let data = value.data(using: .utf8) else { return .null }
            return (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .string(value)
        }
        var members: [String: JSONValue] = [
            "seq": .int(seq), "at": .string(at), "method": .string(method), "params": parsed(params),
            "decision": .string(decision), "outcome": .string(outcome), "durationMicros": .int(durationUS),
            "hash": .string(hash.hexString), "prevHash": .string(prevHash.hexString),
        ]
        members["requestId"] = text(requestID)
        members["principal"] = text(principal)
        members["entity"] = text(entity)
        members["rule"] = text(rule)
        members["errorReason"] = text(errorReason)
        members["callerClass"] = text(callerClass)
        members["detail"] = parsed(detail)
        if let peerUID {
            members["peer"] = .object([
                "uid": .int(peerUID), "gid": peerGID.map(JSONValue.int) ?? .null,
                "pid": peerPID.map(JSONValue.int) ?? .null, "executable": text(peerExe),
            ])
        }
        return .object(members)
    }
}

extension Data {
    /// Lower-case hex, two digits per byte.
    var hexString: String {
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        let digits = Array("0123456789abcdef".utf8)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
