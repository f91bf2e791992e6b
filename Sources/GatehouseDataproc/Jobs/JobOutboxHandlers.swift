import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP

/// Outbox kinds of jobs.
public enum JobOutboxKind {
    /// `jobs.submit` of a new job.
    public static let submit = "job.submit"
    /// `jobs.cancel` of a submitted job.
    public static let cancel = "job.cancel"
}

/// `job.submit` entries: Dataproc's answer moves the job from QUEUED to Dataproc's own state and
/// starts tracking it; a refusal ends it as REJECTED with Dataproc's message.
struct JobSubmitHandler: OutboxHandler {
    let events: JobEvents
    let jobs: JobStore
    let tracker: Doorbell

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        let status = response["status"]
        let state = status?["state"]?.stringValue ?? "PENDING"
        // A job cancelled locally while its submit was in flight exists upstream anyway: mirror
        // Dataproc's state and ask Dataproc to cancel it, so the record tells the truth.
        let cancelledMeanwhile = try JobStore.job(entry.recordID, in: db)?.state == JobState.cancelled
        try JobStore.transition(entry.recordID, to: state, detail: status?["details"]?.stringValue, in: db)
        try JobStore.markSubmitted(entry.recordID, jobUuid: response["jobUuid"]?.stringValue, in: db)
        if cancelledMeanwhile, let job = try JobStore.job(entry.recordID, in: db), !job.isTerminal {
            try Outbox.enqueue(JobRequests.cancel(job), in: db)
        }
    }

    func withdrawnAfterAmbiguousAttempt(_ entry: OutboxEntry, in db: Database) throws {
        // Cancelled locally while a submit went unanswered: it may run upstream, so ask Dataproc to
        // cancel it (a job that never arrived answers 404, and that cancel is refused harmlessly).
        guard let job = try JobStore.job(entry.recordID, in: db) else { return }
        let alreadyAsked =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state != 'cancelled')",
                arguments: [job.jobId, JobOutboxKind.cancel]) ?? false
        if !alreadyAsked { try Outbox.enqueue(JobRequests.cancel(job), in: db) }
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try JobStore.transition(entry.recordID, to: JobState.rejected, detail: error.description, in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? {
        // jobs:submit → jobs/{id}
        guard let range = entry.path.range(of: "/jobs:submit") else { return nil }
        return entry.path[..<range.lowerBound] + "/jobs/" + entry.recordID
    }

    func committed(_ entry: OutboxEntry) async {
        tracker.ring()
        if let job = try? await jobs.job(entry.recordID) { events.publish(job) }
    }
}

/// `job.cancel` entries: the tracker sees the resulting CANCELLED state; a refusal (the job had
/// already finished) is noted on the job.
struct JobCancelHandler: OutboxHandler {
    let tracker: Doorbell

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_jobs SET next_poll_at = 0, poll_interval = 0 WHERE id = ? AND next_poll_at IS NOT NULL", arguments: [entry.recordID]
        )
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_jobs SET state_detail = ? WHERE id = ?", arguments: ["cancel refused: \(error.description)", entry.recordID])
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? { nil }

    func committed(_ entry: OutboxEntry) async { tracker.ring() }
}

/// The outbox requests a job needs.
enum JobRequests {
    static func submit(_ job: JobRecord) -> OutboxRequest {
        let requestID = RequestID.derive(from: job.jobId)
        return OutboxRequest(
            kind: JobOutboxKind.submit, recordID: job.jobId, requestID: requestID, method: .POST,
            path: job.location.regionPath + "/jobs:submit", body: DataprocClient.submitBody(job.spec, requestID: requestID))
    }

    static func cancel(_ job: JobRecord) -> OutboxRequest {
        // One cancel per job: its requestId only has to be unique among cancels.
        OutboxRequest(
            kind: JobOutboxKind.cancel, recordID: job.jobId, method: .POST, path: job.location.regionPath + "/jobs/\(job.jobId):cancel",
            body: .object([:]))
    }
}
