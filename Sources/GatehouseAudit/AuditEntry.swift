import Foundation
import GatehouseCore

/// Whether policy allowed the request.
public enum AuditDecision: String, Sendable, Codable, CaseIterable {
    case allow, deny
    /// Held for a person's approval.
    case pending
    /// No policy question was asked (e.g. `system.ping`, a malformed request).
    case none
}

/// Whether the request succeeded.
public enum AuditOutcome: String, Sendable, Codable, CaseIterable {
    case ok, error
}

/// Who called: what the kernel says about the process on the other end of the socket.
public struct AuditPeer: Sendable, Equatable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var executable: String?
    /// Creates a peer description.
    public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String?) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
    }
}

/// What a caller hands the audit log; the log adds the sequence number and the chain hashes.
public struct AuditEntry: Sendable {
    public var at: Date
    /// The JSON-RPC id as JSON text; nil for notifications.
    public var requestID: String?
    public var peer: AuditPeer?
    public var callerClass: String?
    public var principal: String?
    public var method: String
    public var entity: String?
    /// Request parameters; the log redacts secrets before storing them.
    public var params: JSONValue
    public var decision: AuditDecision
    public var rule: String?
    public var outcome: AuditOutcome
    public var errorReason: String?
    /// Extra facts, e.g. a token's fingerprint or an exchange chain. Redacted like params.
    public var detail: JSONValue?
    public var durationMicros: Int64

    /// Creates an entry; only the method is required.
    public init(
        at: Date = Date(), requestID: String? = nil, peer: AuditPeer? = nil, callerClass: String? = nil,
        principal: String? = nil, method: String, entity: String? = nil, params: JSONValue = .null,
        decision: AuditDecision = .none, rule: String? = nil, outcome: AuditOutcome = .ok,
        errorReason: String? = nil, detail: JSONValue? = nil, durationMicros: Int64 = 0
    ) {
        self.at = at
        self.requestID = requestID
        self.peer = peer
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
        self.durationMicros = durationMicros
    }
}
