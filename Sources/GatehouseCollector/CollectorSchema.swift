import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One numbered SQL file of the collector's own `schema/` (PostgreSQL, separate from the host's SQLite schema).
public struct CollectorMigration: Sendable {
    /// The number in the file name.
    public let version: Int
    /// The rest of the file name.
    public let name: String
    /// The SQL text (several statements).
    public let sql: String
}

/// The migrations this collector knows, in order; SwiftPM embeds each file under its own name.
public enum CollectorSchema {
    /// Every migration.
    public static let all: [CollectorMigration] = [
        CollectorMigration(version: 1, name: "init", sql: String(decoding: PackageResources._001_init_sql, as: UTF8.self)),
        CollectorMigration(version: 2, name: "access_log", sql: String(decoding: PackageResources._002_access_log_sql, as: UTF8.self)),
    ]

    /// Applies what is missing, under a transaction-scoped advisory lock so several collectors
    /// starting at once against one database apply each migration once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(7311022)", logger: logger)
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            var applied = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) {
                applied = version
            }
            let known = all.last?.version ?? 0
            guard applied <= known else { throw CollectorError.newerSchema(found: applied, known: known) }
            for migration in all where migration.version > applied {
                // The simple-query protocol runs a whole file of statements at once, inside this transaction.
                _ = try await connection.simpleQuery(migration.sql).get()
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.info("applied collector migration \(migration.version) (\(migration.name))")
            }
        }
    }
}
