import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file of the collector's own `schema/` (PostgreSQL, separate from the host's SQLite schema).
public struct CollectorMigration: Sendable {
    /// The number in the file name.
    public let version: Int
    /// The rest of the file name.
    public let name: String
    /// The SQL text (several statements).
    public let sql: String

    /// The statements of `sql`: comment lines dropped, split at each `;` that ends a line. The files
    /// hold plain DDL (no function bodies), so that is where statements end.
    var statements: [String] {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        return lines.joined(separator: "\n").components(separatedBy: ";\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }
}

/// The migrations this collector knows, in order; SwiftPM embeds each file under its own name.
public enum CollectorSchema {
    /// Every migration.
    public static let all: [CollectorMigration] = [
        CollectorMigration(version: 1, name: "init", sql: String(decoding: PackageResources._001_init_sql, as: UTF8.self)),
        CollectorMigration(version: 2, name: "access_log", sql: String(decoding: PackageResources._002_access_log_sql, as: UTF8.self)),
        CollectorMigration(version: 3, name: "query_indexes", sql: String(decoding: PackageResources._003_query_indexes_sql, as: UTF8.self)),
    ]

    /// Applies what is missing, under a transaction-scoped advisory lock so several collectors
    /// starting at once against one database apply each migration once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.transaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(7311022)", logger: logger)
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            var applied = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger).decode(
                Int.self)
            {
                applied = version
            }
            let known = all.last?.version ?? 0
            guard applied <= known else { throw CollectorError.newerSchema(found: applied, known: known) }
            for migration in all where migration.version > applied {
                // postgres-nio sends each query as one prepared statement, so the file is run statement by statement.
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.info("applied collector migration \(migration.version) (\(migration.name))")
            }
        }
    }
}
