import Foundation
import GRDB
import GatehouseCore
import GatehouseStore
import Logging

/// Jobs end to end: queues submissions and cancellations as writes the caller commits (with its
/// audit record), runs the outbox sender and the status tracker, and answers approval outcomes.
public final class JobService: Sendable {
    /// Job records and their transitions.
    public let jobs: JobStore
    /// The outbox (shared with other kinds of records).
    public let outbox: Outbox
    /// Job changes for watchers.
    public let events: JobEvents
    /// Sends the outbox.
    public let sender: OutboxSender
    /// Follows submitted jobs.
    public let tracker: JobTracker
    private let store: Store

    /// A service over `store`, sending through `client`.
    public init(
        store: Store, client: DataprocClient, sender senderSettings: OutboxSender.Settings = .init(),
        tracker trackerSettings: JobTracker.Settings = .init(), logger: Logger
    ) {
        self.store = store
        let jobs = JobStore(store: store)
        let events = JobEvents()
        let tracker = JobTracker(store: store, client: client, events: events, settings: trackerSettings, logger: logger)
        self.jobs = jobs
        self.events = events
        self.tracker = tracker
        outbox = Outbox(store: store)
        sender = OutboxSender(
            store: store, client: client,
            handlers: [
                JobOutboxKind.submit: JobSubmitHandler(events: events, jobs: jobs, tracker: tracker.doorbell),
                JobOutboxKind.cancel: JobCancelHandler(tracker: tracker.doorbell),
            ],
            settings: senderSettings, logger: logger)
    }

    /// Sends and tracks until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.sender.run() }
            group.addTask { await self.tracker.run() }
        }
    }

    // MARK: submit

    /// A new job and the write that queues it: run the write in the transaction of the call's
    /// audit record, and answer only once it committed. With `approvalID` the job waits, unsent.
    public func prepareSubmit(
        _ spec: JobSpec, entity: String, location: DataprocLocation, principal: String, approvalID: String? = nil
    ) -> (JobRecord, BatchWriter.Work) {
        let id = JobRecord.newID()
        let job = JobRecord(
            jobId: id, principal: principal, entity: entity, location: location, type: spec.type.rawValue,
            state: approvalID == nil ? JobState.queued : JobState.pendingApproval, approvalId: approvalID,
            spec: spec.submission(jobID: id, location: location))
        let doorbell = sender.doorbell
        let work: BatchWriter.Work = { db in
            try JobStore.insert(job, in: db)
            try Outbox.enqueue(JobRequests.submit(job), held: approvalID != nil, in: db)
            if approvalID == nil { db.afterNextTransaction(onCommit: { _ in doorbell.ring() }) }
        }
        return (job, work)
    }

    /// Queues a job with its own commit (no audit record): for tools and tests.
    public func submit(_ spec: JobSpec, entity: String, location: DataprocLocation, principal: String) async throws -> JobRecord {
        let (job, work) = prepareSubmit(spec, entity: entity, location: location, principal: principal)
        try await store.writer.write(work)
        return job
    }

    // MARK: cancel

    /// The write that cancels `job`: withdrawn from the outbox when it was not sent yet, else a
    /// `jobs.cancel` is queued. Decided inside the transaction, so it cannot race the sender.
    public func prepareCancel(_ job: JobRecord) throws(DataprocError) -> BatchWriter.Work {
        guard !job.isTerminal else { throw .conflict("job \(job.jobId) already ended as \(job.state); nothing to cancel") }
        let events = events
        let jobs = jobs
        let sender = sender.doorbell
        return { db in
            guard let current = try JobStore.job(job.jobId, in: db), !current.isTerminal else { return }
            // A submit already tried once may have reached Dataproc with its answer lost: withdraw the
            // retry, and ask Dataproc to cancel whatever arrived (a job that never did answers 404).
            let tried =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state = 'pending' AND attempts > 0)",
                    arguments: [job.jobId, JobOutboxKind.submit]) ?? false
            let unsent =
                try Outbox.move(recordID: job.jobId, kind: JobOutboxKind.submit, from: [.held, .pending], to: .cancelled, error: nil, in: db) > 0
            if unsent && !tried {
                try JobStore.transition(job.jobId, to: JobState.cancelled, detail: "cancelled before it was sent", in: db)
            } else if unsent {
                try JobStore.transition(
                    job.jobId, to: JobState.cancelled, detail: "cancelled; it may have reached Dataproc, which is asked to cancel it", in: db)
                try Outbox.enqueue(JobRequests.cancel(current), in: db)
            } else {
                let alreadyAsked =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state != 'cancelled')",
                        arguments: [job.jobId, JobOutboxKind.cancel]) ?? false
                if !alreadyAsked { try Outbox.enqueue(JobRequests.cancel(current), in: db) }
            }
            db.afterNextTransaction(onCommit: { _ in
                sender.ring()
                Task { if let updated = try? await jobs.job(job.jobId) { events.publish(updated) } }
            })
        }
    }

    // MARK: approvals

    /// What became of an approval a job waited for.
    public enum ApprovalOutcome: Sendable {
        case approved
        case denied(reason: String?)
        case expired
    }

    /// Releases (QUEUED) or ends (REJECTED / EXPIRED) the jobs waiting for `approvalID`; returns their ids.
    @discardableResult
    public func resolveApproval(_ approvalID: String, _ outcome: ApprovalOutcome) async throws -> [String] {
        let waiting = try await jobs.jobs(awaiting: approvalID)
        guard !waiting.isEmpty else { return [] }
        try await store.writer.write { db in
            for id in waiting {
                switch outcome {
                case .approved:
                    guard try JobStore.transition(id, to: JobState.queued, detail: "approved", from: [JobState.pendingApproval], in: db) else {
                        continue
                    }
                    try Outbox.move(recordID: id, kind: JobOutboxKind.submit, from: [.held], to: .pending, in: db)
                case .denied(let reason):
                    guard
                        try JobStore.transition(
                            id, to: JobState.rejected, detail: "approval denied" + (reason.map { ": \($0)" } ?? ""), from: [JobState.pendingApproval],
                            in: db)
                    else { continue }
                    try Outbox.move(recordID: id, kind: JobOutboxKind.submit, from: [.held], to: .cancelled, in: db)
                case .expired:
                    guard
                        try JobStore.transition(
                            id, to: JobState.expired, detail: "the approval expired; nothing was sent", from: [JobState.pendingApproval], in: db)
                    else { continue }
                    try Outbox.move(recordID: id, kind: JobOutboxKind.submit, from: [.held], to: .cancelled, in: db)
                }
            }
        }
        sender.doorbell.ring()
        for id in waiting {
            if let job = try? await jobs.job(id) { events.publish(job) }
        }
        return waiting
    }

    // MARK: reads

    /// The job and its transitions, with its outbox entries' attempts and last error.
    public func status(_ jobID: String) async throws -> (JobRecord, [JobTransition], [OutboxEntry]) {
        guard let job = try await jobs.job(jobID) else { throw DataprocError.unknownJob(jobID) }
        return (job, try await jobs.transitions(jobID), try await outbox.entries(for: jobID))
    }
}
