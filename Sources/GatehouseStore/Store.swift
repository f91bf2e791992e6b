import Foundation
import GRDB

/// How hard a commit waits for the disk.
public enum Durability: String, Sendable, CaseIterable {
    /// Committed to the WAL file before a write returns: survives a crash or `kill -9` of the
    /// daemon, not a power cut (SQLite `synchronous=NORMAL` in WAL mode).
    case normal
    /// Also fsynced on every commit: survives a power cut; group commit keeps the cost per batch.
    case full
}

/// Options for opening the store.
public struct StoreOptions: Sendable {
    /// How long a connection waits for a lock held by another process before failing.
    public var busyTimeout: TimeInterval = 5
    /// See `Durability`.
    public var durability: Durability = .normal
    /// The most writes one group commit carries.
    public var maxBatch: Int = 512
    /// WAL size past which it is copied into the database file and started over; the WAL file is
    /// kept at most twice this size on disk.
    public var checkpointBytes: Int = 8 << 20
    /// How often the WAL's size is looked at.
    public var checkpointInterval: TimeInterval = 0.25
    /// Creates options; every field has a default.
    public init(
        busyTimeout: TimeInterval = 5, durability: Durability = .normal, maxBatch: Int = 512,
        checkpointBytes: Int = 8 << 20, checkpointInterval: TimeInterval = 0.25
    ) {
        self.busyTimeout = busyTimeout
        self.durability = durability
        self.maxBatch = maxBatch
        self.checkpointBytes = checkpointBytes
        self.checkpointInterval = checkpointInterval
    }
}

/// Gatehouse's SQLite database: a GRDB pool in WAL mode for reads, one batching writer for writes.
public final class Store: Sendable {
    /// The database file.
    public let path: String
    /// Readers use the pool directly (`pool.read`); they never wait for the writer.
    public let pool: DatabasePool
    /// Every write of the daemon goes through this one writer (group commit).
    public let writer: BatchWriter
    let checkpointer: Checkpointer

    /// Opens (creating if needed, mode 0600 in a 0700 directory) and migrates the database at `path`.
    public init(path: String, options: StoreOptions = .init()) throws {
        self.path = path
        try FileSecurity.prepareDatabaseFile(at: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = 4
        let synchronous = options.durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Checkpoints happen on the Checkpointer's thread, never inside a request's commit.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // When the WAL starts over after a checkpoint, its file is cut back to this size.
            try db.execute(sql: "PRAGMA journal_size_limit = \(2 * options.checkpointBytes)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.sqlite("cannot open \(path): \(error)")
        }
        try Migrator.migrate(pool, path: path)
        writer = BatchWriter(pool: pool, maxBatch: options.maxBatch, allowsInline: options.durability != .full)
        checkpointer = try Checkpointer(
            path: path, writer: writer, thresholdBytes: options.checkpointBytes, interval: options.checkpointInterval)
    }

    /// Opens an existing database read-only, without migrating: for `gatehouse audit` with the daemon stopped.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notFound(path: path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError.sqlite("cannot open \(path) read-only: \(error)")
        }
        let version = try queue.read { try Migrator.currentVersion($0) }
        guard version <= SchemaMigrations.latestVersion else {
            throw StoreError.newerSchema(path: path, found: version, known: SchemaMigrations.latestVersion)
        }
        return queue
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws -> Int {
        try pool.read { try Migrator.currentVersion($0) }
    }

    /// The schema version recorded in the database, without blocking a thread of Swift's pool.
    ///
    /// Async callers must not use the blocking reads: a reader goes back to the pool only when the
    /// task that used it resumes on that same pool, so with every pool thread blocked waiting for a
    /// reader, none is ever returned (this hung the daemon under load).
    public func schemaVersion() async throws -> Int {
        try await pool.read { try Migrator.currentVersion($0) }
    }

    /// Size in bytes of the database file plus its WAL.
    public func sizeOnDisk() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }

    // A store dropped without `close()` still ends its two threads, which hold its connections
    // open: a test process opens hundreds of stores, and their threads and descriptors added up.
    // No waiting here: the last reference may be dropped on the writer thread itself.
    deinit {
        writer.closeWhenDrained()
        checkpointer.stop()
    }

    /// Stops the writer after it has committed everything queued, then checkpoints the WAL.
    public func close() {
        writer.stop()
        checkpointer.stop()
        pool.writeWithoutTransaction { db in _ = try? db.checkpoint(.truncate) }
    }
}
