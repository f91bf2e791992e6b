import Foundation
import GRDB
import GatehouseStore

/// The `approvals` table: writes as `BatchWriter.Work` (so each commits with its audit record), reads from the pool.
public struct ApprovalStore: Sendable {
    let store: Store

    /// The approvals of `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Who settled an approval, for the row.
    public struct Decider: Sendable {
        public var name: String?
        public var pid: Int32?
        public var executable: String?
        public var callerClass: String?

        /// A decider as the row records it.
        public init(name: String? = nil, pid: Int32? = nil, executable: String? = nil, callerClass: String? = nil) {
            self.name = name
            self.pid = pid
            self.executable = executable
            self.callerClass = callerClass
        }
    }

    /// Inserts a new pending approval, committed with its audit record.
    public func insert(_ record: ApprovalRecord) -> BatchWriter.Work {
        { db in try record.insert(db) }
    }

    /// Settles a pending approval; throws `alreadyDecided` (rolling back its audit record too) when it was settled first.
    public func resolve(id: String, to state: ApprovalState, by decider: Decider, reason: String?, at date: Date) -> BatchWriter.Work {
        { db in
            try db.execute(
                sql: """
                    UPDATE approvals SET state = ?, decided_at = ?, decided_by = ?, decider_pid = ?, decider_exe = ?,
                        decider_class = ?, reason = ? WHERE id = ? AND state = 'pending'
                    """,
                arguments: [
                    state.rawValue, Timestamp.string(date), decider.name, decider.pid.map { Int64($0) }, decider.executable,
                    decider.callerClass, reason, id,
                ])
            guard db.changesCount == 1 else {
                let current = try String.fetchOne(db, sql: "SELECT state FROM approvals WHERE id = ?", arguments: [id])
                throw current.map { OversightError.alreadyDecided(id: id, state: $0) } ?? OversightError.notFound(id: id)
            }
        }
    }

    /// Records that the action's follow-up ran, so a restart does not run it again.
    public func markDelivered(_ id: String, at date: Date) async throws {
        try await store.writer.write { db in
            try db.execute(
                sql: "UPDATE approvals SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", arguments: [Timestamp.string(date), id])
        }
    }

    /// One approval by id.
    public func get(_ id: String) async throws -> ApprovalRecord? {
        try await store.pool.read { db in try ApprovalRecord.fetchOne(db, key: id) }
    }

    /// Newest first; `states` empty means every state.
    public func list(states: [ApprovalState], limit: Int) async throws -> [ApprovalRecord] {
        try await store.pool.read { db in
            if states.isEmpty {
                return try ApprovalRecord.fetchAll(db, sql: "SELECT * FROM approvals ORDER BY created_at DESC LIMIT ?", arguments: [limit])
            }
            let marks = Array(repeating: "?", count: states.count).joined(separator: ",")
            return try ApprovalRecord.fetchAll(
                db, sql: "SELECT * FROM approvals WHERE state IN (\(marks)) ORDER BY created_at DESC LIMIT ?",
                arguments: StatementArguments(states.map { $0.rawValue as any DatabaseValueConvertible } + [limit]))
        }
    }

    /// Pending approvals whose time is up.
    public func overdue(at date: Date) async throws -> [ApprovalRecord] {
        try await store.pool.read { db in
            try ApprovalRecord.fetchAll(
                db, sql: "SELECT * FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at",
                arguments: [Timestamp.string(date)])
        }
    }

    /// When the next pending approval expires, if any.
    public func nextExpiry() async throws -> Date? {
        try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT MIN(expires_at) FROM approvals WHERE state = 'pending'")
        }.flatMap(Timestamp.parse)
    }

    /// Settled approvals whose follow-up has not run yet (e.g. the daemon stopped in between).
    public func undelivered() async throws -> [ApprovalRecord] {
        try await store.pool.read { db in
            try ApprovalRecord.fetchAll(
                db, sql: "SELECT * FROM approvals WHERE delivered_at IS NULL AND state <> 'pending' ORDER BY decided_at")
        }
    }
}
