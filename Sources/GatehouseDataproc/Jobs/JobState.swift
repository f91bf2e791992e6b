/// The states a job goes through: Gatehouse's own before it is sent (and when it never is), then Dataproc's `JobStatus.State`.
public enum JobState {
    /// Waits for a person's approval; nothing has been sent.
    public static let pendingApproval = "PENDING_APPROVAL"
    /// In the outbox, to be sent.
    public static let queued = "QUEUED"
    /// Dataproc refused it (the upstream message is kept).
    public static let rejected = "REJECTED"
    /// The approval it waited for expired or was denied before anything was sent.
    public static let expired = "EXPIRED"
    /// Cancelled (locally before sending, or by Dataproc).
    public static let cancelled = "CANCELLED"
    /// Dataproc's states the tracker mirrors.
    public static let done = "DONE"
    public static let error = "ERROR"

    /// States after which nothing changes.
    public static let terminal: Set<String> = [done, error, cancelled, rejected, expired]
    /// Gatehouse's own states, before Dataproc has the job.
    public static let local: Set<String> = [pendingApproval, queued, rejected, expired]

    /// True when `state` is final.
    public static func isTerminal(_ state: String) -> Bool { terminal.contains(state) }
}
