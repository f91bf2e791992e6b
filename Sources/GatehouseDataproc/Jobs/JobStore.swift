import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The `dataproc_jobs` and `dataproc_job_events` tables: writes that run inside a caller's
/// transaction, and reads from the pool.
public struct JobStore: Sendable {
    /// What `list` selects.
    public struct Filter: Sendable, Equatable {
        public var entity: String?
        public var state: String?
        public var principal: String?
        public var limit: Int

        /// A filter; nil fields do not filter.
        public init(entity: String? = nil, state: String? = nil, principal: String? = nil, limit: Int = 100) {
            self.entity = entity
            self.state = state
            self.principal = principal
            self.limit = limit
        }
    }

    let store: Store

    /// The job tables of `store`.
    public init(store: Store) {
        self.store = store
    }

    // MARK: inside a transaction

    /// Stores a new job and its first transition.
    static func insert(_ job: JobRecord, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO dataproc_jobs(id, principal, entity, project, region, cluster, job_type, spec, state, approval_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                job.jobId, job.principal, job.entity, job.project, job.region, job.cluster, job.type, job.spec.canonicalString,
                job.state, job.approvalId, job.createdAt, job.updatedAt,
            ])
        try StateHistory.jobs.append(job.jobId, state: job.state, detail: nil, at: job.createdAt, in: db)
    }

    /// Moves a job to `state` (only from one of `from`, when given); records the transition. False when nothing changed.
    @discardableResult
    static func transition(
        _ jobID: String, to state: String, detail: String? = nil, from: Set<String>? = nil, in db: Database
    ) throws -> Bool {
        guard let current = try String.fetchOne(db, sql: "SELECT state FROM dataproc_jobs WHERE id = ?", arguments: [jobID]) else { return false }
        if let from, !from.contains(current) { return false }
        if current == state { return false }
        let now = Timestamp.now()
        let finished: String? = JobState.isTerminal(state) ? now : nil
        try db.execute(
            sql: """
                UPDATE dataproc_jobs SET state = ?, state_detail = COALESCE(?, state_detail), updated_at = ?,
                    finished_at = COALESCE(finished_at, ?), next_poll_at = CASE WHEN ? THEN NULL ELSE next_poll_at END
                WHERE id = ?
                """,
            arguments: [state, detail, now, finished, JobState.isTerminal(state), jobID])
        try StateHistory.jobs.append(jobID, state: state, detail: detail, at: now, in: db)
        return true
    }

    /// Marks a job as accepted by Dataproc and due for tracking.
    static func markSubmitted(_ jobID: String, jobUuid: String?, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE dataproc_jobs SET submitted_at = COALESCE(submitted_at, ?), upstream_uuid = COALESCE(?, upstream_uuid),
                    next_poll_at = CASE WHEN state IN ('DONE','ERROR','CANCELLED') THEN NULL ELSE 0 END, poll_interval = 0
                WHERE id = ?
                """,
            arguments: [Timestamp.now(), jobUuid, jobID])
    }

    /// Stops following a job, keeping its last known state, with a note why.
    static func stopTracking(_ jobID: String, detail: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_jobs SET next_poll_at = NULL, state_detail = ?, updated_at = ? WHERE id = ?",
            arguments: [detail, Timestamp.now(), jobID])
    }

    /// Sets when the tracker asks about the job next.
    static func schedulePoll(_ jobID: String, at next: TimeInterval, interval: TimeInterval, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_jobs SET next_poll_at = ?, poll_interval = ? WHERE id = ? AND next_poll_at IS NOT NULL",
            arguments: [next, interval, jobID])
    }

    /// The job, read inside a transaction.
    static func job(_ jobID: String, in db: Database) throws -> JobRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM dataproc_jobs WHERE id = ?", arguments: [jobID]).map(JobRecord.init(row:))
    }

    // MARK: reads

    /// The job with this id.
    public func job(_ jobID: String) async throws -> JobRecord? {
        try await store.pool.read { db in try Self.job(jobID, in: db) }
    }

    /// Every state the job entered, oldest first.
    public func transitions(_ jobID: String) async throws -> [JobTransition] {
        try await store.pool.read { db in
            try StateHistory.jobs.transitions(jobID, in: db)
        }
    }

    /// Jobs matching `filter`, newest first.
    public func list(_ filter: Filter) async throws -> [JobRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let entity = filter.entity {
            clauses.append("entity = ?")
            arguments += [entity]
        }
        if let state = filter.state {
            clauses.append("state = ?")
            arguments += [state]
        }
        if let principal = filter.principal {
            clauses.append("principal = ?")
            arguments += [principal]
        }
        arguments += [max(1, filter.limit)]
        let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try await store.pool.read { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataproc_jobs \(condition) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments)
                .map(JobRecord.init(row:))
        }
    }

    /// Jobs waiting for approval `approvalID`.
    func jobs(awaiting approvalID: String) async throws -> [String] {
        try await store.pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM dataproc_jobs WHERE approval_id = ? AND state = ?", arguments: [approvalID, JobState.pendingApproval])
        }
    }

    /// Tracked jobs due for a status check at `now`, with their current interval.
    func dueForPoll(now: TimeInterval, horizon: TimeInterval, limit: Int) async throws -> [(JobRecord, TimeInterval)] {
        try await store.pool.read { db in try TrackedTable.jobs.due(now: now, horizon: horizon, limit: limit, in: db, as: JobRecord.init(row:)) }
    }

    /// When the next tracked job is due, if any is tracked.
    func earliestPoll() async throws -> TimeInterval? {
        try await store.pool.read { db in try TrackedTable.jobs.earliest(in: db) }
    }

    /// Jobs per state.
    public func counts() async throws -> [String: Int] {
        try await store.pool.read { db in try TrackedTable.jobs.counts(in: db) }
    }
}
