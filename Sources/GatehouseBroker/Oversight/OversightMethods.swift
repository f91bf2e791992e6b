import Foundation
import GatehouseCore
import GatehouseOversight
import GatehouseRPC

/// The `approval.*` RPC methods.
struct OversightMethods {
    let component: OversightComponent

    private struct IDParams: Decodable { var id: String }
    private struct DenyParams: Decodable {
        var id: String
        var reason: String
    }
    private struct ListParams: Decodable {
        var state: String?
        var limit: Int?
    }
    private struct RequestParams: Decodable {
        var action: String
        var entity: String
        var summary: JSONValue?
    }

    var all: [RPCMethod] {
        let component = component
        let id = CatalogMethods.schema(["id": ["type": "string"]], required: ["id"])
        return [
            RPCMethod(
                "approval.list", summary: "Approvals, newest first: pending ones by default; state: pending|approved|denied|expired|all.",
                params: CatalogMethods.schema(["state": ["type": "string"], "limit": ["type": "integer", "minimum": 1, "maximum": 10000]]),
                handler: .async { call in
                    component.classify(call)
                    let params: ListParams = try call.decodeParams()
                    let states = try Self.states(params.state ?? "pending")
                    let records = try await component.approvals.list(states: states, limit: min(max(params.limit ?? 100, 1), 10_000))
                    return ["approvals": .array(records.map(\.json)), "count": .int(Int64(records.count))]
                }),
            RPCMethod(
                "approval.get", summary: "One approval: who asked (uid, pid, executable, parents), what would run, and how it ended.",
                params: id,
                handler: .async { call in
                    component.classify(call)
                    let params: IDParams = try call.decodeParams()
                    return try await Self.record(params.id, component).json
                }),
            RPCMethod(
                "approval.wait",
                summary:
                    "Waits until the approval is settled (approval.pending, then approval.resolved notifications); answers at once if it already is.",
                params: id,
                handler: .async { call in
                    component.classify(call)
                    let params: IDParams = try call.decodeParams()
                    return try await Self.wait(for: params.id, call: call, component)
                }),
            RPCMethod(
                "approval.approve", summary: "Approves a pending approval; only from a person's terminal, never from the requesting process.",
                params: id,
                handler: .async { call in
                    let params: IDParams = try call.decodeParams()
                    return try await component.decide(params.id, approve: true, reason: nil, call: call).json
                }),
            RPCMethod(
                "approval.deny", summary: "Denies a pending approval with a reason; same rules as approval.approve.",
                params: CatalogMethods.schema(
                    ["id": ["type": "string"], "reason": ["type": "string", "minLength": 1]], required: ["id", "reason"]),
                handler: .async { call in
                    let params: DenyParams = try call.decodeParams()
                    guard !params.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw RPCError.invalidParams("params.reason must say why")
                    }
                    return try await component.decide(params.id, approve: false, reason: params.reason, call: call).json
                }),
            RPCMethod(
                "approval.request",
                summary:
                    "Asks a person to approve something the caller will then do itself (e.g. a script's own risky step); answers the pending approval.",
                params: CatalogMethods.schema(
                    ["action": ["type": "string"], "entity": ["type": "string"], "summary": [:]], required: ["action", "entity"]),
                handler: .async { call in
                    let params: RequestParams = try call.decodeParams()
                    guard !params.action.isEmpty, params.action.count <= 100 else {
                        throw RPCError.invalidParams("params.action must be 1…100 characters")
                    }
                    let caller = component.classify(call)
                    let pending = try await component.request(
                        call, caller: caller, action: params.action, entity: params.entity, rule: OversightComponent.requestedByCaller,
                        policyRule: nil,
                        summary: params.summary ?? .null)
                    return ["state": "PENDING_APPROVAL", "approvalId": .string(pending.id), "expiresAt": .string(pending.expiresAt)]
                }),
        ]
    }

    private static func states(_ text: String) throws -> [ApprovalState] {
        if text == "all" { return [] }
        guard let state = ApprovalState(rawValue: text) else {
            throw RPCError.invalidParams("params.state must be one of pending, approved, denied, expired, all")
        }
        return [state]
    }

    private static func record(_ id: String, _ component: OversightComponent) async throws -> ApprovalRecord {
        guard let record = try await component.approvals.get(id) else { throw OversightError.notFound(id: id) }
        return record
    }

    /// Polls the row rather than keeping in-memory waiters: the table stays the one source of truth
    /// whoever settled it (a person, the expiry loop), and the wait is bounded by the approval's expiry.
    private static func wait(for id: String, call: RPCCall, _ component: OversightComponent) async throws -> JSONValue {
        var record = try await record(id, component)
        call.annotations.update { $0.entity = record.entity }
        guard record.state == .pending else { return record.json }
        let connected = call.notifier.isConnected
        call.notifier.notify(method: "approval.pending", params: record.json)
        while record.state == .pending {
            try await Task.sleep(for: .milliseconds(200))
            // A caller that hung up is no longer waiting; stop polling for it.
            if connected && !call.notifier.isConnected { throw CancellationError() }
            record = try await Self.record(id, component)
        }
        call.notifier.notify(method: "approval.resolved", params: record.json)
        return record.json
    }
}
