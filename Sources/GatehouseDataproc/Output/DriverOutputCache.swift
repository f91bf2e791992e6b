import Foundation
import GRDB
import GatehouseStore

/// Driver output already read, kept sealed in the database so `job logs` answers offline for any
/// job whose output was read once, and where that output lives, so an offline read needs no
/// Dataproc call. Bounded by `maxBytes`: the least recently read jobs' output goes first.
public struct DriverOutputCache: Sendable {
    /// How chunks are sealed at rest; the daemon passes its sealing key's (the same key as tokens).
    /// Knows nothing of keys itself, so this module does not depend on identity.
    public struct Sealing: Sendable {
        /// `text` sealed, bound to `context`.
        public var seal: @Sendable (_ text: String, _ context: String) throws -> Data
        /// The text of a value sealed with `context`.
        public var open: @Sendable (_ sealed: Data, _ context: String) throws -> String

        /// Sealing through these two functions.
        public init(
            seal: @escaping @Sendable (_ text: String, _ context: String) throws -> Data,
            open: @escaping @Sendable (_ sealed: Data, _ context: String) throws -> String
        ) {
            self.seal = seal
            self.open = open
        }
    }

    private let store: Store
    private let sealing: Sealing
    /// The most bytes of sealed output kept.
    public let maxBytes: Int

    /// A cache over `store`'s `dataproc_job_output` table.
    public init(store: Store, sealing: Sealing, maxBytes: Int) {
        self.store = store
        self.sealing = sealing
        self.maxBytes = maxBytes
    }

    /// Where the job's output lives (`driverOutputResourceUri`), once known.
    public func location(of jobID: String) async throws -> DriverOutputLocation? {
        try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT output_uri FROM dataproc_jobs WHERE id = ?", arguments: [jobID])
        }.flatMap(DriverOutputLocation.init(uri:))
    }

    /// Remembers where the job's output lives.
    public func remember(_ location: DriverOutputLocation, of jobID: String) async throws {
        try await store.writer.write { db in
            try db.execute(sql: "UPDATE dataproc_jobs SET output_uri = ? WHERE id = ?", arguments: [location.description, jobID])
        }
    }

    /// The cached chunks from number `first` on, in order, stopping at the first one not cached.
    /// A chunk that does not open (key replaced, row tampered) ends the run: it is read again upstream.
    public func chunks(of jobID: String, from first: Int, now: Date = Date()) async throws -> [DriverOutputChunk] {
        let rows = try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT chunk, generation, sealed FROM dataproc_job_output WHERE job_id = ? AND chunk >= ? ORDER BY chunk",
                arguments: [jobID, first])
        }
        var chunks: [DriverOutputChunk] = []
        for row in rows {
            let index: Int = row["chunk"]
            guard index == first + chunks.count, let text = try? sealing.open(row["sealed"], Self.context(jobID, index)) else { break }
            chunks.append(DriverOutputChunk(index: index, generation: row["generation"], data: Data(text.utf8)))
        }
        if !chunks.isEmpty {
            try await store.writer.write { db in
                try db.execute(sql: "UPDATE dataproc_job_output SET read_at = ? WHERE job_id = ?", arguments: [now.timeIntervalSince1970, jobID])
            }
        }
        return chunks
    }

    /// Keeps `chunks` of the job, then drops the least recently read jobs' output past `maxBytes`.
    public func remember(_ chunks: [DriverOutputChunk], of jobID: String, now: Date = Date()) async throws {
        guard !chunks.isEmpty else { return }
        let sealed = try chunks.map { chunk in
            (chunk, try sealing.seal(String(decoding: chunk.data, as: UTF8.self), Self.context(jobID, chunk.index)))
        }
        let maxBytes = maxBytes
        try await store.writer.write { db in
            for (chunk, bytes) in sealed {
                try db.execute(
                    sql: """
                        INSERT INTO dataproc_job_output(job_id, chunk, generation, sealed, bytes, read_at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(job_id, chunk) DO UPDATE SET generation = excluded.generation, sealed = excluded.sealed,
                            bytes = excluded.bytes, read_at = excluded.read_at
                        """,
                    arguments: [jobID, chunk.index, chunk.generation, bytes, bytes.count, now.timeIntervalSince1970])
            }
            // Whole jobs go, least recently read first, so what stays is each job's output from its start.
            try db.execute(
                sql: """
                    DELETE FROM dataproc_job_output WHERE job_id IN (
                        SELECT job_id FROM (
                            SELECT job_id, SUM(total) OVER (ORDER BY last_read DESC, job_id ROWS UNBOUNDED PRECEDING) AS running
                            FROM (SELECT job_id, SUM(bytes) AS total, MAX(read_at) AS last_read FROM dataproc_job_output GROUP BY job_id))
                        WHERE running > ?)
                    """,
                arguments: [maxBytes])
        }
    }

    /// Bytes of sealed output kept now.
    public func bytes() async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(bytes), 0) FROM dataproc_job_output") ?? 0 }
    }

    /// Binds a sealed chunk to its job and number: a chunk moved to another row does not open.
    private static func context(_ jobID: String, _ chunk: Int) -> String { "job output \(jobID)/\(chunk)" }
}
