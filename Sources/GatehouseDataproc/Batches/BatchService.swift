import Foundation
import GRDB
import GatehouseCore
import GatehouseStore
import Logging

/// Serverless batches end to end: queues creates, cancels and deletes as writes the caller commits
/// (with its audit record) into the jobs' outbox, sends them with the jobs' sender, follows batches,
/// and answers approval outcomes.
public final class BatchService: Sendable {
    /// Batch records and their transitions.
    public let batches: BatchStore
    /// Batch changes for watchers.
    public let events: BatchEvents
    /// The outbox (shared with jobs and clusters).
    public let outbox: Outbox
    /// The jobs' sender; the batch kinds' handlers are registered on it.
    public let sender: OutboxSender
    /// Follows created batches.
    public let tracker: BatchTracker
    /// The Dataproc client (reads a batch's output location).
    public let client: DataprocClient
    private let store: Store

    /// A service over `store` whose requests go through `sender` and whose tracker asks `client`.
    public init(store: Store, client: DataprocClient, sender: OutboxSender, tracker settings: JobTracker.Settings = .init(), logger: Logger) {
        self.store = store
        self.client = client
        self.sender = sender
        let batches = BatchStore(store: store)
        let events = BatchEvents()
        let tracker = BatchTracker(store: store, client: client, events: events, settings: settings, logger: logger)
        self.batches = batches
        self.events = events
        self.tracker = tracker
        outbox = Outbox(store: store)
        sender.register(BatchCreateHandler(events: events, batches: batches, tracker: tracker.doorbell), for: BatchOutboxKind.create)
        sender.register(BatchCancelHandler(tracker: tracker.doorbell), for: BatchOutboxKind.cancel)
        sender.register(BatchDeleteHandler(events: events, batches: batches), for: BatchOutboxKind.delete)
    }

    /// Tracks until cancelled (the shared sender runs with the jobs).
    public func run() async {
        await tracker.run()
    }

    // MARK: submit

    /// A new batch and the write that queues its create: run the write in the transaction of the
    /// call's audit record, and answer only once it committed. With `approvalID` it waits, unsent.
    public func prepareSubmit(
        _ spec: BatchSpec, entity: String, owner: String?, location: BatchLocation, principal: String, approvalID: String? = nil
    ) -> (BatchRecord, BatchWriter.Work) {
        let batch = BatchRecord(
            batchId: BatchRecord.newID(), principal: principal, entity: entity, location: location, workload: spec.workload.rawValue,
            state: approvalID == nil ? JobState.queued : JobState.pendingApproval, approvalId: approvalID,
            spec: spec.submission(entity: entity, owner: owner, principal: principal))
        let doorbell = sender.doorbell
        let work: BatchWriter.Work = { db in
            try BatchStore.insert(batch, in: db)
            try Outbox.enqueue(BatchRequests.create(batch), held: approvalID != nil, in: db)
            if approvalID == nil { db.afterNextTransaction(onCommit: { _ in doorbell.ring() }) }
        }
        return (batch, work)
    }

    /// Queues a batch with its own commit (no audit record): for tools and tests.
    public func submit(_ spec: BatchSpec, entity: String, location: BatchLocation, principal: String) async throws -> BatchRecord {
        let (batch, work) = prepareSubmit(spec, entity: entity, owner: nil, location: location, principal: principal)
        try await store.writer.write(work)
        return batch
    }

    // MARK: cancel and delete

    /// The write that cancels `batch`, decided inside the transaction so it cannot race the sender:
    /// a create never tried is withdrawn; one that was tried may have made the batch, so it is left
    /// to finish and its answer cancels the batch; a created batch gets `operations.cancel`.
    public func prepareCancel(_ batch: BatchRecord) throws(DataprocError) -> BatchWriter.Work {
        guard !batch.isTerminal else { throw .conflict("batch \(batch.batchId) already ended as \(batch.state); nothing to cancel") }
        let events = events
        let batches = batches
        let doorbell = sender.doorbell
        return { db in
            guard let current = try BatchStore.batch(batch.batchId, in: db), !current.isTerminal else { return }
            var withdrawn = try Outbox.move(recordID: batch.batchId, kind: BatchOutboxKind.create, from: [.held], to: .cancelled, in: db)
            try db.execute(
                sql: """
                    UPDATE dataproc_outbox SET state = 'cancelled', updated_at = ?
                    WHERE record_id = ? AND kind = ? AND state = 'pending' AND attempts = 0
                    """,
                arguments: [Timestamp.now(), batch.batchId, BatchOutboxKind.create])
            withdrawn += db.changesCount
            let createPending =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state = 'pending')",
                    arguments: [batch.batchId, BatchOutboxKind.create]) ?? false
            if withdrawn > 0 {
                try BatchStore.transition(batch.batchId, to: JobState.cancelled, detail: "cancelled before it was sent", in: db)
            } else if createPending {
                // Sent again now rather than after its backoff: its answer names the operation the cancel needs.
                try db.execute(
                    sql: "UPDATE dataproc_outbox SET next_attempt_at = 0 WHERE record_id = ? AND kind = ? AND state = 'pending'",
                    arguments: [batch.batchId, BatchOutboxKind.create])
                try BatchStore.transition(
                    batch.batchId, to: JobState.cancelled,
                    detail: "cancelled; its create may have reached Dataproc, and the batch is cancelled there once Dataproc answers", in: db)
            } else if let operation = current.operation {
                let alreadyAsked =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ?)",
                        arguments: [batch.batchId, BatchOutboxKind.cancel]) ?? false
                if !alreadyAsked { try Outbox.enqueue(BatchRequests.cancel(current, operation: operation), in: db) }
            }
            db.afterNextTransaction(onCommit: { _ in
                doorbell.ring()
                Task { if let updated = try? await batches.batch(batch.batchId) { events.publish(updated) } }
            })
        }
    }

    /// The write that deletes an ended batch at Dataproc (`batches.delete` refuses running ones; cancel those first).
    public func prepareDelete(_ batch: BatchRecord) throws(DataprocError) -> BatchWriter.Work {
        guard batch.submittedAt != nil else {
            throw .conflict("batch \(batch.batchId) never reached Dataproc (\(batch.state)); there is nothing to delete there")
        }
        guard batch.isTerminal else {
            throw .conflict("batch \(batch.batchId) is \(batch.state); cancel it first (`gatehouse batch cancel \(batch.batchId)`), then delete it")
        }
        guard batch.deletedAt == nil else { throw .conflict("batch \(batch.batchId) was already deleted at Dataproc") }
        let doorbell = sender.doorbell
        return { db in
            let alreadyAsked =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ?)",
                    arguments: [batch.batchId, BatchOutboxKind.delete]) ?? false
            guard !alreadyAsked else { return }
            try Outbox.enqueue(BatchRequests.delete(batch), in: db)
            db.afterNextTransaction(onCommit: { _ in doorbell.ring() })
        }
    }

    // MARK: approvals

    /// Releases (QUEUED) or ends (REJECTED / EXPIRED) the batches waiting for `approvalID`; returns their ids.
    @discardableResult
    public func resolveApproval(_ approvalID: String, _ outcome: JobService.ApprovalOutcome) async throws -> [String] {
        let waiting = try await batches.batches(awaiting: approvalID)
        guard !waiting.isEmpty else { return [] }
        try await store.writer.write { db in
            for id in waiting {
                let (state, detail, entry): (String, String, OutboxEntry.State) =
                    switch outcome {
                    case .approved: (JobState.queued, "approved", .pending)
                    case .denied(let reason): (JobState.rejected, "approval denied" + (reason.map { ": \($0)" } ?? ""), .cancelled)
                    case .expired: (JobState.expired, "the approval expired; nothing was sent", .cancelled)
                    }
                guard try BatchStore.transition(id, to: state, detail: detail, from: [JobState.pendingApproval], in: db) else { continue }
                try Outbox.move(recordID: id, kind: BatchOutboxKind.create, from: [.held], to: entry, in: db)
            }
        }
        sender.doorbell.ring()
        for id in waiting {
            if let batch = try? await batches.batch(id) { events.publish(batch) }
        }
        return waiting
    }

    // MARK: reads

    /// The batch and its transitions, with its outbox entries' attempts and last error.
    public func status(_ id: String) async throws -> (BatchRecord, [BatchTransition], [OutboxEntry]) {
        guard let batch = try await batches.batch(id) else { throw DataprocError.unknownBatch(id) }
        return (batch, try await batches.transitions(id), try await outbox.entries(for: id))
    }
}
