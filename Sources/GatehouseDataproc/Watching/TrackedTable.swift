import Foundation
import GRDB

/// The tracking columns jobs, clusters and batches share (`state`, `next_poll_at`, `poll_interval`): which
/// records are due for a status check, when the next one is, and how many are in each state.
struct TrackedTable: Sendable {
    let name: String

    static let jobs = TrackedTable(name: "dataproc_jobs")
    static let clusters = TrackedTable(name: "dataproc_clusters")
    static let batches = TrackedTable(name: "dataproc_batches")

    /// Rows due for a check at `now`, with their current interval, soonest first. A row scheduled more
    /// than `horizon` ahead was scheduled before the wall clock was set back (no interval is that long):
    /// it is due now.
    func due<Record>(
        now: TimeInterval, horizon: TimeInterval, limit: Int, in db: Database, as make: (Row) -> Record
    ) throws -> [(
        Record, TimeInterval
    )] {
        try Row.fetchAll(
            db,
            sql: "SELECT * FROM \(name) WHERE next_poll_at IS NOT NULL AND (next_poll_at <= ? OR next_poll_at > ?) ORDER BY next_poll_at LIMIT ?",
            arguments: [now, now + horizon, limit]
        ).map { (make($0), $0["poll_interval"] as TimeInterval) }
    }

    /// When the next tracked row is due, if any is tracked.
    func earliest(in db: Database) throws -> TimeInterval? {
        try TimeInterval.fetchOne(db, sql: "SELECT MIN(next_poll_at) FROM \(name) WHERE next_poll_at IS NOT NULL")
    }

    /// Rows per state.
    func counts(in db: Database) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM \(name) GROUP BY state")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["state"] as String, $0["n"] as Int) })
    }
}
