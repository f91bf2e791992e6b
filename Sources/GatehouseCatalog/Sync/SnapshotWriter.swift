import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The SQL of a sync: stage a snapshot beside the current one, fill it page by page, then switch.
enum SnapshotWriter {
    /// Starts a snapshot in state `building`, first removing what an interrupted sync left behind.
    static func begin(_ db: Database) throws -> Int64 {
        for stale in try Int64.fetchAll(db, sql: "SELECT id FROM catalog_snapshots WHERE state IN ('building', 'retired')") {
            try purge(stale, db)
        }
        try db.execute(
            sql: "INSERT INTO catalog_snapshots(state, started_at) VALUES ('building', ?)", arguments: [Timestamp.now()])
        return db.lastInsertedRowID
    }

    /// Writes one page of entities, their relations and their search text into `snapshot`.
    static func insert(_ entities: [BackstageEntity], into snapshot: Int64, _ db: Database) throws -> Int {
        let entityStatement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO catalog_entities(snapshot_id, ref, display_ref, kind, namespace, name, uid, etag, title,
                    description, type, owner, system, lifecycle, email, annotations, labels, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let searchStatement = try db.cachedStatement(
            sql: "INSERT INTO catalog_fts(rowid, name, title, description) VALUES (?, ?, ?, ?)")
        let relationStatement = try db.cachedStatement(
            sql: "INSERT INTO catalog_relations(snapshot_id, source, type, target) VALUES (?, ?, ?, ?)")
        var relations = 0
        for entity in entities {
            let ref = entity.ref
            let namespace = entity.metadata.namespace ?? "default"
            let owner = entity.specText("owner").flatMap { EntityRef.lenient($0, defaultKind: "group", defaultNamespace: namespace) }
            let system = entity.specText("system").flatMap { EntityRef.lenient($0, defaultKind: "system", defaultNamespace: namespace) }
            let email = ref.kind == "user" ? entity.spec?["profile"]?["email"]?.stringValue?.lowercased() : nil
            try entityStatement.execute(arguments: [
                snapshot, ref.description, entity.displayRef, ref.kind, namespace, entity.metadata.name, entity.metadata.uid,
                entity.metadata.etag, entity.metadata.title, entity.metadata.description, entity.specText("type"),
                owner?.description, system?.description, entity.specText("lifecycle")?.lowercased(), email,
                entity.annotations.canonicalString, entity.labels.canonicalString, entity.document.canonicalString,
            ])
            try searchStatement.execute(arguments: [
                db.lastInsertedRowID, entity.metadata.name, entity.metadata.title ?? "", entity.metadata.description ?? "",
            ])
            for relation in entity.relations {
                guard let target = EntityRef.lenient(relation.targetRef, defaultKind: "component") else { continue }
                try relationStatement.execute(arguments: [snapshot, ref.description, relation.type.lowercased(), target.description])
                relations += 1
            }
        }
        return relations
    }

    /// Computes the group closure and makes `snapshot` the current one, retiring the previous.
    static func commit(_ snapshot: Int64, entities: Int, relations: Int, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO catalog_group_closure(snapshot_id, grp, ancestor, depth)
                WITH RECURSIVE up(grp, ancestor, depth) AS (
                    SELECT ref, ref, 0 FROM catalog_entities WHERE snapshot_id = :s AND kind = 'group'
                    UNION
                    SELECT up.grp, r.target, up.depth + 1
                    FROM up JOIN catalog_relations r ON r.snapshot_id = :s AND r.source = up.ancestor AND r.type = 'childof'
                    WHERE up.depth < 64
                )
                SELECT :s, grp, ancestor, MIN(depth) FROM up GROUP BY grp, ancestor
                """, arguments: ["s": snapshot])
        try db.execute(sql: "UPDATE catalog_snapshots SET state = 'retired' WHERE state = 'current'")
        try db.execute(
            sql: "UPDATE catalog_snapshots SET state = 'current', completed_at = ?, entities = ?, relations = ? WHERE id = ?",
            arguments: [Timestamp.now(), entities, relations, snapshot])
    }

    /// Throws away a snapshot that will never become current, recording why.
    static func abandon(_ snapshot: Int64, reason: String, _ db: Database) throws {
        try purge(snapshot, db)
        try db.execute(sql: "UPDATE catalog_snapshots SET state = 'failed', error = ? WHERE id = ?", arguments: [reason, snapshot])
    }

    /// Deletes the rows of retired snapshots (kept out of the switch so the switch stays short).
    static func purgeRetired(_ db: Database) throws {
        for retired in try Int64.fetchAll(db, sql: "SELECT id FROM catalog_snapshots WHERE state = 'retired'") {
            try purge(retired, db)
            try db.execute(sql: "DELETE FROM catalog_snapshots WHERE id = ?", arguments: [retired])
        }
        // Keep a short history of failures for `catalog status`, not an ever-growing one.
        try db.execute(
            sql: """
                DELETE FROM catalog_snapshots WHERE state = 'failed'
                  AND id NOT IN (SELECT id FROM catalog_snapshots WHERE state = 'failed' ORDER BY id DESC LIMIT 10)
                """)
    }

    private static func purge(_ snapshot: Int64, _ db: Database) throws {
        try db.execute(
            sql: "DELETE FROM catalog_fts WHERE rowid IN (SELECT id FROM catalog_entities WHERE snapshot_id = ?)", arguments: [snapshot])
        for table in ["catalog_entities", "catalog_relations", "catalog_group_closure"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE snapshot_id = ?", arguments: [snapshot])
        }
        try db.execute(sql: "UPDATE catalog_snapshots SET state = 'failed' WHERE id = ? AND state = 'building'", arguments: [snapshot])
    }
}
