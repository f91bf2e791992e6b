import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore

/// Outbox kinds of batches (in the jobs' outbox, sent by the jobs' sender).
public enum BatchOutboxKind {
    /// `batches.create` of a new batch.
    public static let create = "batch.create"
    /// `operations.cancel` of a created batch's operation.
    public static let cancel = "batch.cancel"
    /// `batches.delete` of an ended batch.
    public static let delete = "batch.delete"
}

/// `batch.create` entries: Dataproc's answer (the create operation, or the batch itself when an
/// earlier attempt had made it) moves the batch from QUEUED to PENDING and starts tracking it; a
/// refusal ends it as REJECTED with Dataproc's message.
struct BatchCreateHandler: OutboxHandler {
    let events: BatchEvents
    let batches: BatchStore
    let tracker: Doorbell

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        // After ALREADY_EXISTS the sender read the Batch (it has a state); otherwise this is the Operation.
        let isBatch = response["state"] != nil
        let operation = isBatch ? response["operation"]?.stringValue : response["name"]?.stringValue
        let uuid = isBatch ? response["uuid"]?.stringValue : response["metadata"]?["batchUuid"]?.stringValue
        // Cancelled locally while its create could not be withdrawn: it exists upstream anyway, so
        // mirror Dataproc's state and cancel it there, so the record tells the truth.
        let cancelledMeanwhile = try BatchStore.batch(entry.recordID, in: db)?.state == JobState.cancelled
        if isBatch {
            _ = try BatchStore.observe(entry.recordID, resource: response, in: db)
        } else {
            try BatchStore.transition(entry.recordID, to: BatchState.pending, in: db)
        }
        try BatchStore.markSubmitted(entry.recordID, uuid: uuid, operation: operation, in: db)
        if cancelledMeanwhile, let batch = try BatchStore.batch(entry.recordID, in: db), !batch.isTerminal, let operation {
            try Outbox.enqueue(BatchRequests.cancel(batch, operation: operation), in: db)
        }
    }

    func withdrawnAfterAmbiguousAttempt(_ entry: OutboxEntry, in db: Database) throws {
        // Cancelled while a create went unanswered: it may exist upstream, and only its operation can
        // cancel it. Send the create again (same requestId and batchId: it cannot make a second
        // batch); its answer names the operation, and `delivered` cancels through it.
        try Outbox.move(recordID: entry.recordID, kind: BatchOutboxKind.create, from: [.cancelled], to: .pending, in: db)
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try BatchStore.transition(entry.recordID, to: JobState.rejected, detail: error.description, in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? {
        // …/batches?batchId=…&requestId=… → …/batches/{batchId}
        guard let query = entry.path.firstIndex(of: "?") else { return nil }
        return entry.path[..<query] + "/" + BatchID.derive(from: entry.recordID)
    }

    func committed(_ entry: OutboxEntry) async {
        tracker.ring()
        if let batch = try? await batches.batch(entry.recordID) { events.publish(batch) }
    }
}

/// `batch.cancel` entries: the tracker sees the resulting CANCELLING and CANCELLED; a refusal (the
/// batch had already ended) is noted on the batch.
struct BatchCancelHandler: OutboxHandler {
    let tracker: Doorbell

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_batches SET next_poll_at = 0, poll_interval = 0 WHERE id = ? AND next_poll_at IS NOT NULL",
            arguments: [entry.recordID])
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try BatchStore.note(entry.recordID, "cancel refused: \(error.description)", in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? { nil }

    func committed(_ entry: OutboxEntry) async { tracker.ring() }
}

/// `batch.delete` entries: the batch is gone upstream (its local record and history stay).
struct BatchDeleteHandler: OutboxHandler {
    let events: BatchEvents
    let batches: BatchStore

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_batches SET deleted_at = COALESCE(deleted_at, ?), next_poll_at = NULL, updated_at = ? WHERE id = ?",
            arguments: [Timestamp.now(), Timestamp.now(), entry.recordID])
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        // Already gone upstream is what was asked for.
        if case .upstream(404, _, _, _) = error { return try delivered(entry, response: .null, in: db) }
        try BatchStore.note(entry.recordID, "delete refused: \(error.description)", in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? { nil }

    func committed(_ entry: OutboxEntry) async {
        if let batch = try? await batches.batch(entry.recordID) { events.publish(batch) }
    }
}

/// The outbox requests a batch needs.
enum BatchRequests {
    static func create(_ batch: BatchRecord) -> OutboxRequest {
        let requestID = RequestID.derive(from: batch.batchId)
        return OutboxRequest(
            kind: BatchOutboxKind.create, recordID: batch.batchId, requestID: requestID, method: .POST,
            path: DataprocClient.BatchPath.create(batch.location, batchID: batch.upstreamID, requestID: requestID), body: batch.spec)
    }

    static func cancel(_ batch: BatchRecord, operation: String) -> OutboxRequest {
        // One cancel per batch: its requestId only has to be unique among cancels.
        OutboxRequest(
            kind: BatchOutboxKind.cancel, recordID: batch.batchId, method: .POST, path: DataprocClient.BatchPath.cancel(operation: operation),
            body: .object([:]))
    }

    static func delete(_ batch: BatchRecord) -> OutboxRequest {
        OutboxRequest(
            kind: BatchOutboxKind.delete, recordID: batch.batchId, method: .DELETE,
            path: DataprocClient.BatchPath.get(batch.location, batchID: batch.upstreamID))
    }
}
