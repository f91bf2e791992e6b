import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The `dataproc_clusters` and `dataproc_cluster_events` tables: writes that run inside a caller's
/// transaction, and reads from the pool.
public struct ClusterStore: Sendable {
    /// What `list` selects.
    public struct Filter: Sendable, Equatable {
        public var entity: String?
        public var principal: String?
        /// Leave out clusters that are gone or were never created.
        public var liveOnly: Bool
        public var limit: Int

        /// A filter; nil fields do not filter.
        public init(entity: String? = nil, principal: String? = nil, liveOnly: Bool = false, limit: Int = 100) {
            self.entity = entity
            self.principal = principal
            self.liveOnly = liveOnly
            self.limit = limit
        }
    }

    let store: Store

    /// The cluster tables of `store`.
    public init(store: Store) {
        self.store = store
    }

    // MARK: inside a transaction

    static func insert(_ cluster: ClusterRecord, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO dataproc_clusters(id, name, principal, entity, owner, created_as_owner, project, region, template, spec, state,
                    approval_id, auto_delete_seconds, idle_delete_seconds, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                cluster.id, cluster.name, cluster.principal, cluster.entity, cluster.owner, cluster.createdAsOwner, cluster.project, cluster.region,
                cluster.template,
                cluster.spec.canonicalString, cluster.state, cluster.approvalId, cluster.autoDeleteSeconds, cluster.idleDeleteSeconds,
                cluster.createdAt, cluster.updatedAt,
            ])
        try StateHistory.clusters.append(cluster.id, state: cluster.state, detail: nil, at: cluster.createdAt, in: db)
    }

    /// Moves a cluster to `state` (only from one of `from`, when given); records the transition. False when nothing changed.
    @discardableResult
    static func transition(_ id: String, to state: String, detail: String? = nil, from: Set<String>? = nil, in db: Database) throws -> Bool {
        guard let current = try String.fetchOne(db, sql: "SELECT state FROM dataproc_clusters WHERE id = ?", arguments: [id]) else { return false }
        if let from, !from.contains(current) { return false }
        if current == state { return false }
        let now = Timestamp.now()
        let terminal = ClusterState.isTerminal(state)
        try db.execute(
            sql: """
                UPDATE dataproc_clusters SET state = ?, state_detail = COALESCE(?, state_detail), updated_at = ?,
                    finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE finished_at END,
                    next_poll_at = CASE WHEN ? THEN NULL ELSE next_poll_at END
                WHERE id = ?
                """,
            arguments: [state, detail, now, terminal, now, terminal, id])
        try StateHistory.clusters.append(id, state: state, detail: detail, at: now, in: db)
        return true
    }

    /// Records the operation to follow (nil: none) and makes the cluster due for a check now.
    static func follow(_ id: String, operation: String?, clusterUuid: String? = nil, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE dataproc_clusters SET operation = ?, upstream_uuid = COALESCE(?, upstream_uuid), poll_interval = 0,
                    next_poll_at = CASE WHEN state IN ('REJECTED','EXPIRED','CANCELLED','DELETED') THEN NULL ELSE 0 END
                WHERE id = ?
                """,
            arguments: [operation, clusterUuid, id])
    }

    /// Sets when the tracker asks about the cluster next.
    static func schedulePoll(_ id: String, at next: TimeInterval, interval: TimeInterval, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_clusters SET next_poll_at = ?, poll_interval = ? WHERE id = ? AND next_poll_at IS NOT NULL",
            arguments: [next, interval, id])
    }

    /// Notes something about the cluster without changing its state.
    static func note(_ id: String, _ detail: String, in db: Database) throws {
        try db.execute(sql: "UPDATE dataproc_clusters SET state_detail = ?, updated_at = ? WHERE id = ?", arguments: [detail, Timestamp.now(), id])
    }

    /// Records the new auto-delete TTL of an extension that was queued.
    static func extend(_ id: String, autoDeleteSeconds: Int, in db: Database) throws {
        try db.execute(
            sql: "UPDATE dataproc_clusters SET auto_delete_seconds = ?, extensions = extensions + 1, updated_at = ? WHERE id = ?",
            arguments: [autoDeleteSeconds, Timestamp.now(), id])
    }

    /// Marks a delete as waiting for approval `approvalID` (nil: not waiting).
    static func setDeleteApproval(_ id: String, _ approvalID: String?, in db: Database) throws {
        try db.execute(sql: "UPDATE dataproc_clusters SET delete_approval_id = ? WHERE id = ?", arguments: [approvalID, id])
    }

    static func cluster(_ id: String, in db: Database) throws -> ClusterRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM dataproc_clusters WHERE id = ?", arguments: [id]).map(ClusterRecord.init(row:))
    }

    // MARK: reads

    /// The cluster with this local id, or else this Dataproc name.
    public func cluster(_ idOrName: String) async throws -> ClusterRecord? {
        try await store.pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM dataproc_clusters WHERE id = ? OR name = ? ORDER BY id = ? DESC, created_at DESC LIMIT 1",
                arguments: [idOrName, idOrName, idOrName]
            ).map(ClusterRecord.init(row:))
        }
    }

    /// Every state the cluster entered, oldest first.
    public func transitions(_ id: String) async throws -> [ClusterTransition] {
        try await store.pool.read { db in
            try StateHistory.clusters.transitions(id, in: db)
        }
    }

    /// Clusters matching `filter`, newest first.
    public func list(_ filter: Filter) async throws -> [ClusterRecord] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let entity = filter.entity {
            clauses.append("entity = ?")
            arguments += [entity]
        }
        if let principal = filter.principal {
            clauses.append("principal = ?")
            arguments += [principal]
        }
        if filter.liveOnly { clauses.append("state NOT IN ('REJECTED','EXPIRED','CANCELLED','DELETED')") }
        arguments += [max(1, filter.limit)]
        let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try await store.pool.read { [arguments] db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataproc_clusters \(condition) ORDER BY created_at DESC, id DESC LIMIT ?", arguments: arguments)
                .map(ClusterRecord.init(row:))
        }
    }

    /// The projects and regions Gatehouse ever created clusters in.
    public func locations() async throws -> [(project: String, region: String)] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT project, region FROM dataproc_clusters ORDER BY project, region")
                .map { ($0["project"], $0["region"]) }
        }
    }

    /// Clusters whose create or delete waits for `approvalID`.
    func clusters(awaiting approvalID: String) async throws -> [ClusterRecord] {
        try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM dataproc_clusters WHERE approval_id = ? OR delete_approval_id = ?", arguments: [approvalID, approvalID]
            )
            .map(ClusterRecord.init(row:))
        }
    }

    /// Tracked clusters due for a status check at `now`, with their current interval.
    func dueForPoll(now: TimeInterval, horizon: TimeInterval, limit: Int) async throws -> [(ClusterRecord, TimeInterval)] {
        try await store.pool.read { db in
            try TrackedTable.clusters.due(now: now, horizon: horizon, limit: limit, in: db, as: ClusterRecord.init(row:))
        }
    }

    /// When the next tracked cluster is due, if any is tracked.
    func earliestPoll() async throws -> TimeInterval? {
        try await store.pool.read { db in try TrackedTable.clusters.earliest(in: db) }
    }

    /// Clusters per state.
    public func counts() async throws -> [String: Int] {
        try await store.pool.read { db in try TrackedTable.clusters.counts(in: db) }
    }
}
