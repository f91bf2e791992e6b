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
        case requestID = "request_id"
        case peerUID = "peer_uid"
        case peerGID = "peer_gid"
        case peerPID = "peer_pid"
        case peerExe = "peer_exe"
        case callerClass = "caller_class"
        case errorReason = "error_reason"
        case durationUS = "duration_us"
        case prevHash = "prev_hash"
    }

    /// A record with every column given; for readers of other stores (the fleet collector's PostgreSQL).
    public init(
        seq: Int64, at: String, requestID: String?, peerUID: Int64?, peerGID: Int64?, peerPID: Int64?, peerExe: String?,
        callerClass: String?, principal: String?, method: String, entity: String?, params: String, decision: String, rule: String?,
        outcome: String, errorReason: String?, detail: String?, durationUS: Int64, prevHash: Data, hash: Data
    ) {
        self.seq = seq
        self.at = at
        self.requestID = requestID
        self.peerUID = peerUID
        self.peerGID = peerGID
        self.peerPID = peerPID
        self.peerExe = peerExe
        self.callerClass = callerClass
        self.principal = principal
        self.method = method
        self.entity = entity
        self.params = params
        self.decision = decision
        self.rule = rule
        self.outcome = outcome
        self.errorReason = errorReason
        self.detail = detail
        self.durationUS = durationUS
        self.prevHash = prevHash
        self.hash = hash
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
        // Keys in code-point order, as `JSONWriter` sorts them; a test checks the result against `JSONWriter`.
        // Written member by member rather than through a `JSONValue`: this runs once per request.
        var head: [UInt8] = [UInt8(ascii: "{")]
        head.reserveCapacity(320 + params.utf8.count + (detail?.utf8.count ?? 0) + (peerExe?.utf8.count ?? 0))
        CanonicalTemplate.member("at", text: at, into: &head)
        CanonicalTemplate.member("caller_class", text: callerClass, into: &head)
        CanonicalTemplate.member("decision", text: decision, into: &head)
        CanonicalTemplate.member("detail", text: detail, into: &head)
        CanonicalTemplate.member("duration_us", number: durationUS, into: &head)
        CanonicalTemplate.member("entity", text: entity, into: &head)
        CanonicalTemplate.member("error_reason", text: errorReason, into: &head)
        CanonicalTemplate.member("method", text: method, into: &head)
        CanonicalTemplate.member("outcome", text: outcome, into: &head)
        CanonicalTemplate.member("params", text: params, into: &head)
        CanonicalTemplate.member("peer_exe", text: peerExe, into: &head)
        CanonicalTemplate.member("peer_gid", number: peerGID, into: &head)
        CanonicalTemplate.member("peer_pid", number: peerPID, into: &head)
        CanonicalTemplate.member("peer_uid", number: peerUID, into: &head)
        var middle: [UInt8] = []
        middle.reserveCapacity(64 + (principal?.utf8.count ?? 0) + (requestID?.utf8.count ?? 0) + (rule?.utf8.count ?? 0))
        CanonicalTemplate.member("principal", text: principal, into: &middle)
        CanonicalTemplate.member("request_id", text: requestID, into: &middle)
        CanonicalTemplate.member("rule", text: rule, into: &middle)
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
        head + tail(seq: seq, prevHash: prevHash)
    }

    /// SHA-256 over `prevHash` and the full canonical bytes (fed in pieces: the head is most of a
    /// record and needs no copy).
    func hash(seq: Int64, prevHash: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: prevHash)
        head.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        tail(seq: seq, prevHash: prevHash).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Data(hasher.finalize())
    }

    /// Everything after `head`: `"prev_hash":"…",` `middle` `"seq":N}`.
    private func tail(seq: Int64, prevHash: Data) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(middle.count + 100)
        Self.key("prev_hash", into: &out)
        out.append(UInt8(ascii: "\""))
        out.appendHex(prevHash)
        out.appendLiteral("\",")
        out.append(contentsOf: middle)
        Self.member("seq", number: seq, into: &out)
        out[out.count - 1] = UInt8(ascii: "}")
        return out
    }

    /// Appends `"key":"text",` (or `null`); the last comma becomes the closing brace.
    static func member(_ key: StaticString, text: String?, into out: inout [UInt8]) {
        Self.key(key, into: &out)
        if let text { JSONWriter.writeString(text, into: &out) } else { out.appendLiteral("null") }
        out.append(UInt8(ascii: ","))
    }

    /// Appends `"key":number,` (or `null`).
    static func member(_ key: StaticString, number: Int64?, into out: inout [UInt8]) {
        Self.key(key, into: &out)
        if let number { out.appendDecimal(number) } else { out.appendLiteral("null") }
        out.append(UInt8(ascii: ","))
    }

    /// Appends `"key":`; the keys are plain ASCII column names, which need no escaping.
    private static func key(_ key: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.appendLiteral("\":")
    }
}
