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
        canonicalTemplate().bytes(seq: seq, prevHash: prevHash)
    }

    /// SHA-256 over the previous hash and this record's canonical bytes.
    public func computedHash() -> Data {
        canonicalTemplate().hash(seq: seq, prevHash: prevHash)
    }

    /// The canonical bytes with the two chain columns (`prev_hash`, `seq`) left open.
    ///
    /// Building the JSON is most of an append's CPU; doing it before the record reaches the single
    /// writer thread leaves that thread only the chaining (head lookup, hash, insert).
    func canonicalTemplate() -> CanonicalTemplate {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Int64?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        // Keys in code-point order, as `JSONWriter` sorts them; a test checks this against `JSONWriter`.
        let beforePrevHash: [(String, JSONValue)] = [
            ("at", .string(at)), ("caller_class", text(callerClass)), ("decision", .string(decision)),
            ("detail", text(detail)), ("duration_us", .int(durationUS)), ("entity", text(entity)),
            ("error_reason", text(errorReason)), ("method", .string(method)), ("outcome", .string(outcome)),
            ("params", .string(params)), ("peer_exe", text(peerExe)), ("peer_gid", number(peerGID)),
            ("peer_pid", number(peerPID)), ("peer_uid", number(peerUID)),
        ]
        let betweenPrevHashAndSeq: [(String, JSONValue)] = [
            ("principal", text(principal)), ("request_id", text(requestID)), ("rule", text(rule)),
        ]
        var head: [UInt8] = [UInt8(ascii: "{")]
        head.reserveCapacity(256 + params.utf8.count + (detail?.utf8.count ?? 0))
        for (key, value) in beforePrevHash { CanonicalTemplate.member(key, value, into: &head) }
        var middle: [UInt8] = []
        for (key, value) in betweenPrevHashAndSeq { CanonicalTemplate.member(key, value, into: &middle) }
        return CanonicalTemplate(head: head, middle: middle)
    }

    /// The record as JSON for `audit.query` and `audit export`.
    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func parsed(_ value: String?) -> JSONValue {
            guard let value, let data = value.data(using: .utf8) else { return .null }
            return (try? JSONParser.parse(data)) ?? .string(value)
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

/// A record's canonical JSON around its chain columns: `head` "prev_hash":"…" `middle` "seq":N}.
struct CanonicalTemplate: Sendable {
    let head: [UInt8]
    let middle: [UInt8]

    /// The full canonical bytes once the record's place in the chain is known.
    func bytes(seq: Int64, prevHash: Data) -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + middle.count + 100)
        Self.member("prev_hash", .string(prevHash.hexString), into: &out)
        out.append(contentsOf: middle)
        Self.member("seq", .int(seq), into: &out)
        out[out.count - 1] = UInt8(ascii: "}")
        return out
    }

    /// SHA-256 over `prevHash` and the full canonical bytes.
    func hash(seq: Int64, prevHash: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: prevHash)
        hasher.update(data: bytes(seq: seq, prevHash: prevHash))
        return Data(hasher.finalize())
    }

    /// Appends `"key":value,` (the last comma becomes the closing brace).
    static func member(_ key: String, _ value: JSONValue, into out: inout [UInt8]) {
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        JSONWriter.write(value, into: &out, sortedKeys: true)
        out.append(UInt8(ascii: ","))
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
