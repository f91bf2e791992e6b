import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The `dataproc_batches` and `dataproc_batch_events` tables: writes that run inside a caller's
/// transaction, and reads from the pool.
public struct BatchStore: Sendable {
    let store: Store

    /// The batch tables of `store`.
    public init(store: Store) {
        self.store = store
    }

    // MARK: inside a transaction

    /// Stores a new batch and its first transition.
    static func insert(_ batch: BatchRecord, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO dataproc_batches(id, principal, entity, project, region, workload, spec, state, approval_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                batch.batchId, batch.principal, batch.entity, batch.project, batch.region, batch.workload, batch.spec.canonicalString,
                batch.state, batch.approvalId, batch.createdAt, batch.updatedAt,
            ])
        try StateHistory.batches.append(batch.batchId, state: batch.state, detail: nil, at: batch.createdAt, in: db)
    }

    /// Moves a batch to `state` (only from one of `from`, when given); records the transition. False when nothing changed.
    @discardableResult
    static func transition(_ id: String, to state: String, detail: String? = nil, from: Set<String>? = nil, in db: Database) throws -> Bool {
        guard let current = try String.fetchOne(db, sql: "SELECT state FROM dataproc_batches WHERE id = ?", arguments: [id]) else { return false }
        if let from, !from.contains(current) { return false }
        if current == state { return false }
        let now = Timestamp.now()
        let terminal = BatchState.isTerminal(state)
        try db.execute(
            sql: """
                UPDATE dataproc_batches SET state = ?, state_detail = COALESCE(?, state_detail), updated_at = ?,
                    finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE NULL END
                WHERE id = ?
                """,
            arguments: [state, detail, now, terminal, now, id])
        try StateHistory.batches.append(id, state: state, detail: detail, at: now, in: db)
        return true
    }

    /// Marks a batch as created by Dataproc and due for tracking.
    static func markSubmitted(_ id: String, uuid: String?, operation: String?, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE dataproc_batches SET submitted_at = COALESCE(submitted_at, ?), upstream_uuid = COALESCE(?, upstream_uuid),
                    operation = COALESCE(?, operation), next_poll_at = 0, poll_interval = 0
                WHERE id = ?
                """,
            arguments: [Timestamp.now(), uuid, operation, id])
    }

    /// What a `batches.get` said: state, message and output location; tracking stops once it ended.
    static func observe(_ id: String, resource: JSONValue, in db: Database) throws -> Bool {
        let state = resource["state"]?.stringValue
        let changed = try state.map { try transition(id, to: $0, detail: resource["stateMessage"]?.stringValue, in: db) } ?? false
        try db.execute(
            sql: """
                UPDATE dataproc_batches SET output_uri = COALESCE(?, output_uri), operation = COALESCE(?, operation),
                    upstream_uuid = COALESCE(?, upstream_uuid)
                WHERE id = ?
                """,
            arguments: [resource["runtimeInfo"]?["outputUri"]?.stringValue, resource["operation"]?.stringValue, resource["uuid"]?.stringValue, id])
        if let state, BatchState.isTerminal(state) {
            try db.execute(sql: "UPDATE dataproc_batches SET next_poll_at = NULL WHERE id = ?", arguments: [id])
        }
        return changed
    }

    /// Stops following a batch, keeping its last known state, with a note why.
    static func stopTracking(_ id: String, detail: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_batches SET next_poll_at = NULL, state_detail = ?, updated_at = ? WHERE id = ?",
            arguments: [detail, Timestamp.now(), id])
    }

    /// Sets when the tracker asks about the batch next.
    static func schedulePoll(_ id: String, at next: TimeInterval, interval: TimeInterval, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_batches SET next_poll_at = ?, poll_interval = ? WHERE id = ? AND next_poll_at IS NOT NULL",
            arguments: [next, interval, id])
    }

    /// Sets a note on the batch without changing its state.
    static func note(_ id: String, _ detail: String, in db: Database) throws {
        try db.execute(sql: "UPDATE dataproc_batches SET state_detail = ?, updated_at = ? WHERE id = ?", arguments: [detail, Timestamp.now(), id])
    }

    /// The batch, read inside a transaction.
    static func batch(_ id: String, in db: Database) throws -> BatchRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM dataproc_batches WHERE id = ?", arguments: [id]).map(BatchRecord.init(row:))
    }

    // MARK: reads

    /// The batch with this id.
    public func batch(_ id: String) async throws -> BatchRecord? {
        try await store.pool.read { db in try Self.batch(id, in: db) }
    }

    /// Every state the batch entered, oldest first.
    public func transitions(_ id: String) async throws -> [BatchTransition] {
        try await store.pool.read { db in try StateHistory.batches.transitions(id, in: db) }
    }

    /// Batches matching `filter` (the jobs' filter: entity, state, person, limit), newest first.
    public func list(_ filter: JobStore.Filter) async throws -> [BatchRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        for (column, value) in [("entity", filter.entity), ("state", filter.state), ("principal", filter.principal)] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            arguments += [value]
        }
        arguments += [max(1, filter.limit)]
        let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try await store.pool.read { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataproc_batches \(condition) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments)
                .map(BatchRecord.init(row:))
        }
    }

    /// Batches waiting for approval `approvalID`.
    func batches(awaiting approvalID: String) async throws -> [String] {
        try await store.pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM dataproc_batches WHERE approval_id = ? AND state = ?", arguments: [approvalID, JobState.pendingApproval])
        }
    }

    /// Tracked batches due for a status check at `now`, with their current interval.
    func dueForPoll(now: TimeInterval, horizon: TimeInterval, limit: Int) async throws -> [(BatchRecord, TimeInterval)] {
        try await store.pool.read { db in try TrackedTable.batches.due(now: now, horizon: horizon, limit: limit, in: db, as: BatchRecord.init(row:)) }
    }

    /// When the next tracked batch is due, if any is tracked.
    func earliestPoll() async throws -> TimeInterval? {
        try await store.pool.read { db in try TrackedTable.batches.earliest(in: db) }
    }

    /// Batches per state.
    public func counts() async throws -> [String: Int] {
        try await store.pool.read { db in try TrackedTable.batches.counts(in: db) }
    }
}
