import GatehouseCore
import GatehouseOversight
import GatehousePolicy
import GatehouseRPC

/// The seam between components that do sensitive things (jobs, clusters) and human oversight.
///
/// A component asks `requireApproval` after policy allowed the action and before anything goes
/// upstream. `nil` means go ahead; a `PendingApproval` means park the work (e.g. outbox state
/// `PENDING_APPROVAL`) and answer the caller with the approval id. When a person decides, the
/// oversight component publishes `BrokerEvent.approvalResolved`, which the component subscribed to.
public protocol ApprovalGate: Sendable {
    /// nil when the action may proceed now; otherwise the approval it must wait for (already recorded and audited).
    func requireApproval(for call: RPCCall, action: String, entity: String, decision: Decision, summary: JSONValue) async throws -> PendingApproval?
}

/// An approval the work waits for.
public struct PendingApproval: Sendable, Equatable {
    /// The approval id people use with `gatehouse approve ID`.
    public let id: String
    /// ISO 8601 time after which the approval expires and the work is never sent.
    public let expiresAt: String

    /// An approval handle.
    public init(id: String, expiresAt: String) {
        self.id = id
        self.expiresAt = expiresAt
    }
}
