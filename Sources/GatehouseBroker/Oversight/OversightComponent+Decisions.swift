import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseIdentity
import GatehouseOversight
import GatehousePeer
import GatehousePolicy
import GatehouseRPC
import GatehouseStore
import Logging

extension OversightComponent {
    /// Records a pending approval and its audit record in one transaction; marks the call `pending`.
    func request(
        _ call: RPCCall, caller: CallerClassification, action: String, entity: String, rule: String, policyRule: String?, summary: JSONValue
    ) async throws -> PendingApproval {
        let createdAt = now()
        let who = await principal()?.displayName
        let record = ApprovalRecord(
            id: Self.newID(), action: action, entity: entity, rule: rule, summary: summary, principal: who, peer: call.peer,
            sha256: call.peer.executableSHA256(), callerClass: caller.name, createdAt: createdAt, expiresAt: createdAt + ttl)
        var params: [String: JSONValue] = ["approvalId": .string(record.id), "action": .string(action), "summary": summary]
        params["policyRule"] = policyRule.map(JSONValue.string)
        let entry = AuditEntry(
            peer: Self.auditPeer(call.peer), callerClass: caller.name, principal: who, method: "approval.requested", entity: entity,
            params: .object(params), decision: .pending, rule: rule,
            detail: ["expiresAt": .string(record.expiresAt), "requester": record.json["requester"] ?? .null])
        try await audit.append(entry, alongside: approvals.insert(record))
        call.annotations.update {
            $0.entity = entity
            $0.decision = "pending"
            $0.rule = rule
            $0.detail["approvalId"] = .string(record.id)
            $0.detail["expiresAt"] = .string(record.expiresAt)
        }
        logger.notice(
            "approval required", metadata: ["approval": "\(record.id)", "action": "\(action)", "entity": "\(entity)", "caller": "\(caller.name)"])
        return PendingApproval(id: record.id, expiresAt: record.expiresAt)
    }

    /// `approval.approve` / `approval.deny`: only a person at a terminal, and never the process that asked.
    func decide(_ id: String, approve: Bool, reason: String?, call: RPCCall) async throws -> ApprovalRecord {
        let caller = classify(call)
        call.annotations.update { $0.detail["approvalId"] = .string(id) }
        guard caller.isInteractive else {
            throw OversightError.approverNotInteractive(callerClass: caller.name, because: caller.because)
        }
        guard let record = try await approvals.get(id) else { throw OversightError.notFound(id: id) }
        call.annotations.update {
            $0.entity = record.entity
            $0.rule = record.rule
        }
        guard record.state == .pending else { throw OversightError.alreadyDecided(id: id, state: record.state.rawValue) }
        // The requester (or anything it started, e.g. under `script` to fake a terminal) may not settle its own request.
        let requester = Int32(truncatingIfNeeded: record.requesterPID)
        guard call.peer.pid != requester, !call.peer.parents.contains(where: { $0.pid == requester }) else {
            throw OversightError.approverIsRequester(id: id, pid: requester)
        }
        // Denying is always safe; approving a step-up action needs a recent sign-in at the IdP. With
        // no IdP configured there is nothing to step up with: the terminal rule above is all there is.
        var proof: Authentication?
        if approve, let authentication,
            await stepUp.requirement(action: record.action, entity: record.entity, callerClass: ApprovalRule.interactiveClass) != nil
        {
            let last = await authentication()
            let age = last.map { Int(now().timeIntervalSince($0.at).rounded(.up)) }
            guard let last, let age, age <= stepUpMaxAge else {
                throw OversightError.stepUpRequired(id: id, action: record.action, maxAgeSeconds: stepUpMaxAge, lastSignInSecondsAgo: age)
            }
            proof = last
        }
        let who = await principal()?.displayName
        let decider = ApprovalStore.Decider(
            name: who ?? "uid \(call.peer.uid)", pid: call.peer.pid, executable: call.peer.executable, callerClass: caller.name)
        let settled = try await resolve(record, to: approve ? .approved : .denied, by: decider, reason: reason, call: call, stepUp: proof)
        call.annotations.update {
            $0.principal = who
            $0.decision = approve ? "allow" : "deny"
        }
        return settled
    }

    /// Settles `record` with an audit record in the same transaction, then wakes waiters and the follow-up delivery.
    func resolve(
        _ record: ApprovalRecord, to state: ApprovalState, by decider: ApprovalStore.Decider, reason: String?, call: RPCCall?,
        stepUp: Authentication? = nil
    ) async throws -> ApprovalRecord {
        let at = now()
        var params: [String: JSONValue] = ["approvalId": .string(record.id), "action": .string(record.action), "outcome": .string(state.rawValue)]
        params["reason"] = reason.map(JSONValue.string)
        var detail: [String: JSONValue] = ["decidedBy": decider.name.map(JSONValue.string) ?? .null, "requesterPid": .int(record.requesterPID)]
        if let stepUp {
            detail["authTime"] = .string(Timestamp.string(stepUp.at))
            detail["authMethod"] = .string(stepUp.method.rawValue)
        }
        let entry = AuditEntry(
            peer: call.map { Self.auditPeer($0.peer) }, callerClass: decider.callerClass, principal: record.principal,
            method: "approval.resolved", entity: record.entity, params: .object(params),
            decision: state == .approved ? .allow : .deny, rule: record.rule, detail: .object(detail))
        try await audit.append(entry, alongside: approvals.resolve(id: record.id, to: state, by: decider, reason: reason, at: at))
        ring()
        var settled = record
        settled.state = state
        settled.decidedAt = Timestamp.string(at)
        settled.decidedBy = decider.name
        settled.deciderPID = decider.pid.map(Int64.init)
        settled.deciderExe = decider.executable
        settled.deciderClass = decider.callerClass
        settled.reason = reason
        logger.notice("approval settled", metadata: ["approval": "\(record.id)", "state": "\(state.rawValue)", "by": "\(decider.name ?? "expiry")"])
        return settled
    }

    /// A short id people can type: `apr-` and 10 lowercase letters and digits (about 49 bits).
    static func newID() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return "apr-" + String((0..<10).map { _ in alphabet.randomElement()! })
    }

    static func auditPeer(_ peer: PeerCredentials) -> AuditPeer {
        AuditPeer(uid: peer.uid, gid: peer.gid, pid: peer.pid, executable: peer.executable)
    }
}
