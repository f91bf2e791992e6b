import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// Every read of the catalog mirror. Each call reads one snapshot in one transaction, from the
/// local database only, so all of them work with Backstage down.
public struct CatalogReader: Sendable {
    private let pool: DatabasePool

    /// A reader over the store's read pool.
    public init(store: Store) {
        self.pool = store.pool
    }

    /// The current snapshot, or nil before the first sync.
    public func snapshot() async throws(CatalogError) -> CatalogSnapshot? {
        try await read { db in try CatalogSnapshot.current(db) }
    }

    /// The entity `ref` names.
    public func entity(_ ref: EntityRef) async throws(CatalogError) -> (CatalogEntity, JSONValue, CatalogSnapshot) {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM catalog_entities WHERE snapshot_id = ? AND ref = ?"),
                    arguments: [snapshot.id, ref.description])
            else { throw CatalogError.notFound(ref: ref.description) }
            let document = (try? JSONParser.parse((row["json"] as String).utf8)) ?? .null
            return (try CatalogEntity(row: row), document, snapshot)
        }
    }

    /// Entities matching every given filter, ordered by ref.
    public func search(_ query: CatalogSearch) async throws(CatalogError) -> ([CatalogEntity], CatalogSnapshot) {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            let (sql, arguments) = query.sql(snapshot: snapshot.id)
            return (try CatalogEntity.fetchAll(db, sql: sql, arguments: arguments), snapshot)
        }
    }

    /// The principal's catalog identity and group closure.
    public func membership(of principal: Principal) async throws(CatalogError) -> (Membership, CatalogSnapshot) {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            return (try OwnershipGraph(db: db, snapshot: snapshot.id).membership(of: principal), snapshot)
        }
    }

    /// What the principal owns, directly or through any group above theirs.
    public func owned(by principal: Principal, limit: Int = 1000) async throws(CatalogError) -> ([OwnedEntity], Membership, CatalogSnapshot) {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            let graph = OwnershipGraph(db: db, snapshot: snapshot.id)
            let membership = try graph.membership(of: principal)
            return (try graph.owned(by: membership, limit: limit), membership, snapshot)
        }
    }

    /// Who owns `ref`: the owner, the groups below it that inherit ownership, and their members.
    public func owners(of ref: EntityRef, limit: Int = 500) async throws(CatalogError) -> (Owners, CatalogSnapshot) {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            return (try OwnershipGraph(db: db, snapshot: snapshot.id).owners(of: ref, limit: limit), snapshot)
        }
    }

    /// The facts a policy decision about `principal` and `ref` needs, from one snapshot.
    public func accessFacts(principal: Principal, entity ref: EntityRef) async throws(CatalogError) -> AccessFacts {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            return try OwnershipGraph(db: db, snapshot: snapshot.id).accessFacts(principal: principal, entity: ref, snapshot: snapshot)
        }
    }

    /// The hops from the principal to `group`: `user memberOf g1`, `g1 childOf g2`, … (for `policy.explain`).
    public func membershipChain(_ membership: Membership, to group: String) async throws(CatalogError) -> [String] {
        try await read { db in
            let snapshot = try Self.requireSnapshot(db)
            return try OwnershipGraph(db: db, snapshot: snapshot.id).chain(membership, to: group)
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(CatalogError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    private static func requireSnapshot(_ db: Database) throws -> CatalogSnapshot {
        guard let snapshot = try CatalogSnapshot.current(db) else { throw CatalogError.noSnapshot }
        return snapshot
    }
}
