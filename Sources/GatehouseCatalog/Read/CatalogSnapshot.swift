import Foundation
import GRDB
import GatehouseStore

/// The snapshot readers see: which sync it came from and when it became current.
public struct CatalogSnapshot: Sendable, Codable, Equatable {
    public var id: Int64
    /// When the sync that produced it finished.
    public var completedAt: Date
    public var entities: Int
    public var relations: Int

    /// Seconds since the snapshot became current.
    public func age(now: Date = Date()) -> TimeInterval { now.timeIntervalSince(completedAt) }

    /// `completedAt` in the store's RFC 3339 form: the `snapshotAt` of every answer.
    public var snapshotAt: String { Timestamp.string(completedAt) }

    /// The current snapshot, or nil before the first successful sync.
    static func current(_ db: Database) throws -> CatalogSnapshot? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, completed_at, entities, relations FROM catalog_snapshots WHERE state = 'current'"))
        else { return nil }
        return CatalogSnapshot(
            id: row["id"], completedAt: Timestamp.parse(row["completed_at"] ?? "") ?? .distantPast,
            entities: row["entities"], relations: row["relations"])
    }
}
