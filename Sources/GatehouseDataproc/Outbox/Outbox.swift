import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore

/// The durable outbox table (`dataproc_outbox`): writes that run inside a caller's transaction
/// (so a request is queued together with its audit record), and the reads the sender needs.
public struct Outbox: Sendable {
    private let store: Store

    /// The outbox of `store`.
    public init(store: Store) {
        self.store = store
    }

    // MARK: inside a transaction

    /// Queues `request` (held until approved, or pending); returns the row id.
    @discardableResult
    public static func enqueue(_ request: OutboxRequest, held: Bool = false, in db: Database) throws -> Int64 {
        let now = Timestamp.now()
        try db.cachedStatement(
            sql: """
                INSERT INTO dataproc_outbox(kind, record_id, request_id, method, path, body, state, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                request.kind, request.recordID, request.requestID, request.method.rawValue, request.path,
                request.body?.canonicalString, held ? OutboxEntry.State.held.rawValue : OutboxEntry.State.pending.rawValue, now, now,
            ])
        return db.lastInsertedRowID
    }

    /// Moves the record's entries of `kind` from one state to another; returns how many moved.
    @discardableResult
    public static func move(
        recordID: String, kind: String, from: [OutboxEntry.State], to: OutboxEntry.State, error: String? = nil, in db: Database
    ) throws -> Int {
        let marks = from.map { _ in "?" }.joined(separator: ",")
        var arguments: StatementArguments = [to.rawValue, error, Timestamp.now(), recordID, kind]
        arguments += StatementArguments(from.map(\.rawValue))
        try db.execute(
            sql: """
                UPDATE dataproc_outbox SET state = ?, last_error = COALESCE(?, last_error), next_attempt_at = 0, updated_at = ?
                WHERE record_id = ? AND kind = ? AND state IN (\(marks))
                """,
            arguments: arguments)
        return db.changesCount
    }

    /// Records a failed attempt that will be retried at `next` (seconds since 1970).
    static func retryLater(_ id: Int64, error: String, next: TimeInterval, in db: Database) throws {
        try db.execute(
            sql:
                "UPDATE dataproc_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
            arguments: [error, next, Timestamp.now(), id])
    }

    /// Ends an entry (delivered or rejected) if it is still in one of `from`; false when it was not.
    static func finish(
        _ id: Int64, as state: OutboxEntry.State, error: String?, from: [OutboxEntry.State] = [.pending], in db: Database
    ) throws -> Bool {
        let marks = from.map { _ in "?" }.joined(separator: ",")
        var arguments: StatementArguments = [state.rawValue, error, Timestamp.now(), id]
        arguments += StatementArguments(from.map(\.rawValue))
        try db.execute(
            sql: "UPDATE dataproc_outbox SET state = ?, attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ? AND state IN (\(marks))",
            arguments: arguments)
        return db.changesCount == 1
    }

    /// Makes every pending entry due now (the upstream came back: no entry should sit out its backoff).
    static func makeAllDue(in db: Database) throws {
        try db.execute(sql: "UPDATE dataproc_outbox SET next_attempt_at = 0 WHERE state = 'pending' AND next_attempt_at > 0")
    }

    // MARK: reads

    /// Pending entries of `kinds` due at `now`, oldest first. An entry scheduled more than `horizon`
    /// ahead was scheduled before the wall clock was set back (no pause is that long): it is due now,
    /// rather than waiting out the hour the clock lost.
    func due(now: TimeInterval, horizon: TimeInterval, limit: Int, kinds: [String]) async throws -> [OutboxEntry] {
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        var arguments: StatementArguments = [now, now + horizon]
        arguments += StatementArguments(kinds)
        arguments += [limit]
        return try await store.pool.read { [arguments] db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM dataproc_outbox WHERE state = 'pending' AND (next_attempt_at <= ? OR next_attempt_at > ?) AND kind IN (\(marks)) ORDER BY id LIMIT ?",
                arguments: arguments
            ).map(OutboxEntry.init(row:))
        }
    }

    /// When the earliest pending entry of `kinds` becomes due, if any is pending.
    func earliestDue(kinds: [String]) async throws -> TimeInterval? {
        let marks = kinds.map { _ in "?" }.joined(separator: ",")
        return try await store.pool.read { db in
            try TimeInterval.fetchOne(
                db, sql: "SELECT MIN(next_attempt_at) FROM dataproc_outbox WHERE state = 'pending' AND kind IN (\(marks))",
                arguments: StatementArguments(kinds))
        }
    }

    /// The entries of one record, oldest first.
    public func entries(for recordID: String) async throws -> [OutboxEntry] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataproc_outbox WHERE record_id = ? ORDER BY id", arguments: [recordID]).map(
                OutboxEntry.init(row:))
        }
    }

    /// How many entries are in each state.
    public func counts() async throws -> [String: Int] {
        try await store.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM dataproc_outbox GROUP BY state")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["state"] as String, $0["n"] as Int) })
        }
    }
}
