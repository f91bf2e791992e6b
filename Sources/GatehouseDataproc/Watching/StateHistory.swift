import GRDB

/// One state a job or cluster entered.
public struct StateTransition: Sendable, Codable, Equatable {
    public var state: String
    public var detail: String?
    public var at: String
}

/// One state a job entered.
public typealias JobTransition = StateTransition
/// One state a cluster entered.
public typealias ClusterTransition = StateTransition
/// One state a batch entered.
public typealias BatchTransition = StateTransition

/// The append-only list of states a record entered, in order: what `job.status` and `cluster.show`
/// list. Jobs and clusters keep theirs in tables of the same shape (`dataproc_job_events`,
/// `dataproc_cluster_events`), each referencing its own record table.
struct StateHistory: Sendable {
    let table: String
    let idColumn: String

    static let jobs = StateHistory(table: "dataproc_job_events", idColumn: "job_id")
    static let clusters = StateHistory(table: "dataproc_cluster_events", idColumn: "cluster_id")
    static let batches = StateHistory(table: "dataproc_batch_events", idColumn: "batch_id")

    /// Appends `state` as the record's next transition, inside the caller's transaction.
    func append(_ id: String, state: String, detail: String?, at: String, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO \(table)(\(idColumn), seq, state, detail, at)
                VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM \(table) WHERE \(idColumn) = ?), ?, ?, ?)
                """
        ).execute(arguments: [id, id, state, detail, at])
    }

    /// Every state the record entered, oldest first.
    func transitions(_ id: String, in db: Database) throws -> [StateTransition] {
        try Row.fetchAll(db, sql: "SELECT state, detail, at FROM \(table) WHERE \(idColumn) = ? ORDER BY seq", arguments: [id])
            .map { StateTransition(state: $0["state"], detail: $0["detail"], at: $0["at"]) }
    }
}
