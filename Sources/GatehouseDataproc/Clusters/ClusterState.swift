import Foundation

/// The states a cluster goes through: Gatehouse's own before it is sent (and when it never is),
/// Dataproc's `ClusterStatus.State` while it exists, and `DELETED` once it is gone.
public enum ClusterState {
    /// Waits for a person's approval; nothing has been sent.
    public static let pendingApproval = "PENDING_APPROVAL"
    /// In the outbox, to be sent.
    public static let queued = "QUEUED"
    /// Dataproc refused it, or the approval was denied.
    public static let rejected = "REJECTED"
    /// The approval it waited for expired; nothing was sent.
    public static let expired = "EXPIRED"
    /// Withdrawn before it was sent.
    public static let cancelled = "CANCELLED"
    /// Dataproc's states Gatehouse acts on.
    public static let creating = "CREATING"
    public static let running = "RUNNING"
    public static let error = "ERROR"
    public static let deleting = "DELETING"
    /// Gone upstream (deleted by request, by its lifecycle config, or outside Gatehouse).
    public static let deleted = "DELETED"

    /// States after which nothing changes and nothing exists upstream.
    public static let terminal: Set<String> = [rejected, expired, cancelled, deleted]
    /// Gatehouse's own states, before Dataproc has the cluster.
    public static let local: Set<String> = [pendingApproval, queued]

    /// True when `state` is final.
    public static func isTerminal(_ state: String) -> Bool { terminal.contains(state) }
}
