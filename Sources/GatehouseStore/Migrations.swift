import Foundation
import GRDB

/// One numbered SQL file from `schema/`, embedded into the binary at build time.
public struct Migration: Sendable {
    /// The number in the file name; migrations run in increasing order.
    public let version: Int
    /// The rest of the file name, e.g. `init` for `0001_init.sql`.
    public let name: String
    /// The file's SQL text.
    public let sql: String

    init(_ version: Int, _ name: String, _ bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }

    /// The file name in `schema/` this migration came from.
    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

/// The migrations this binary knows. SwiftPM's `embedInCode` names each file's bytes after the file,
/// so adding `schema/0006_x.sql` means adding one line here (a test checks the two lists agree).
public enum SchemaMigrations {
    /// Every migration, in order.
    public static let all: [Migration] = [
        Migration(1, "init", PackageResources._001_init_sql),
        Migration(2, "identity", PackageResources._002_identity_sql),
        Migration(3, "catalog", PackageResources._003_catalog_sql),
        Migration(4, "looker", PackageResources._004_looker_sql),
        Migration(5, "dataproc", PackageResources._005_dataproc_sql),
        Migration(6, "approvals", PackageResources._006_approvals_sql),
        Migration(7, "clusters", PackageResources._007_clusters_sql),
        Migration(8, "identity_sealed_principal", PackageResources._008_identity_sealed_principal_sql),
        Migration(9, "job_output", PackageResources._009_job_output_sql),
        Migration(10, "session_auth_time", PackageResources._010_session_auth_time_sql),
        Migration(11, "looker_service_credentials", PackageResources._011_looker_service_credentials_sql),
        Migration(12, "fleet", PackageResources._012_fleet_sql),
        Migration(13, "batches", PackageResources._013_batches_sql),
        Migration(14, "audit_retention", PackageResources._014_audit_retention_sql),
    ]

    /// The highest schema version this binary can read and write.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}

/// Applies `schema/` migrations, recording each in `schema_migrations`.
///
/// Written here rather than with GRDB's `DatabaseMigrator` because the migrations are plain SQL
/// files with numeric versions, and a database from a *newer* binary must be refused, which
/// `DatabaseMigrator` (identifier-based, in `grdb_migrations`) does not express.
enum Migrator {
    static func migrate(_ writer: some DatabaseWriter, path: String, migrations: [Migration] = SchemaMigrations.all) throws {
        try writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version    INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                    ) STRICT
                    """)
            let applied = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_migrations") ?? 0
            let known = migrations.last?.version ?? 0
            guard applied <= known else {
                throw StoreError.newerSchema(path: path, found: applied, known: known)
            }
            for migration in migrations where migration.version > applied {
                do {
                    try db.inTransaction(.immediate) {
                        try db.execute(sql: migration.sql)
                        try db.execute(
                            sql: "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                            arguments: [migration.version, migration.name, Timestamp.now()])
                        return .commit
                    }
                } catch {
                    throw StoreError.migrationFailed(version: migration.version, name: migration.name, detail: "\(error)")
                }
            }
        }
    }

    static func currentVersion(_ db: Database) throws -> Int {
        guard try db.tableExists("schema_migrations") else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_migrations") ?? 0
    }
}
