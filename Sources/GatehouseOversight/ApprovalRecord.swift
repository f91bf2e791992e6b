import Foundation
import GRDB
import GatehouseCore
import GatehousePeer
import GatehouseStore

/// Where an approval stands.
public enum ApprovalState: String, Sendable, Codable, CaseIterable {
    case pending, approved, denied, expired
}

/// One row of `approvals`: who asked for what, and how it ended.
public struct ApprovalRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "approvals"

    public var id: String
    public var state: ApprovalState
    public var action: String
    public var entity: String
    public var rule: String
    /// Canonical JSON of what would run.
    public var summary: String
    public var principal: String?
    public var requesterUID: Int64
    public var requesterPID: Int64
    public var requesterExe: String?
    public var requesterSHA256: String?
    public var requesterClass: String
    /// Canonical JSON array of `PeerAncestor`.
    public var requesterParents: String
    public var createdAt: String
    public var expiresAt: String
    public var decidedAt: String?
    public var decidedBy: String?
    public var deciderPID: Int64?
    public var deciderExe: String?
    public var deciderClass: String?
    public var reason: String?
    public var deliveredAt: String?

    enum CodingKeys: String, CodingKey {
        case id, state, action, entity, rule, summary, principal, reason
        case requesterUID = "requester_uid"
        case requesterPID = "requester_pid"
        case requesterExe = "requester_exe"
        case requesterSHA256 = "requester_sha256"
        case requesterClass = "requester_class"
        case requesterParents = "requester_parents"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case decidedAt = "decided_at"
        case decidedBy = "decided_by"
        case deciderPID = "decider_pid"
        case deciderExe = "decider_exe"
        case deciderClass = "decider_class"
        case deliveredAt = "delivered_at"
    }

    /// A new pending approval for the process `peer`.
    public init(
        id: String, action: String, entity: String, rule: String, summary: JSONValue, principal: String?,
        peer: PeerCredentials, sha256: String?, callerClass: String, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        state = .pending
        self.action = action
        self.entity = entity
        self.rule = rule
        self.summary = summary.canonicalString
        self.principal = principal
        requesterUID = Int64(peer.uid)
        requesterPID = Int64(peer.pid)
        requesterExe = peer.executable
        requesterSHA256 = sha256
        requesterClass = callerClass
        requesterParents = ((try? JSONValue(encoding: peer.parents)) ?? .array([])).canonicalString
        self.createdAt = Timestamp.string(createdAt)
        self.expiresAt = Timestamp.string(expiresAt)
    }

    /// The resolution follow-ups receive.
    public var resolution: ApprovalResolution? {
        let outcome: ApprovalResolution.Outcome
        switch state {
        case .pending: return nil
        case .approved: outcome = .approved
        case .denied: outcome = .denied
        case .expired: outcome = .expired
        }
        return ApprovalResolution(approvalID: id, outcome: outcome, decidedBy: decidedBy, reason: reason)
    }

    /// What `approval.get` and `approval.list` answer.
    public var json: JSONValue {
        func parsed(_ text: String) -> JSONValue { (try? JSONParser.parse(text.utf8)) ?? .string(text) }
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "id": .string(id), "state": .string(state.rawValue), "action": .string(action), "entity": .string(entity),
            "rule": .string(rule), "summary": parsed(summary), "principal": text(principal),
            "requester": [
                "uid": .int(requesterUID), "pid": .int(requesterPID), "executable": text(requesterExe),
                "sha256": text(requesterSHA256), "callerClass": .string(requesterClass), "parents": parsed(requesterParents),
            ],
            "createdAt": .string(createdAt), "expiresAt": .string(expiresAt), "decidedAt": text(decidedAt),
            "decidedBy": text(decidedBy),
            "decider": deciderPID.map { ["pid": .int($0), "executable": text(deciderExe), "callerClass": text(deciderClass)] } ?? .null,
            "reason": text(reason), "followUpDelivered": .bool(deliveredAt != nil),
        ]
    }
}
