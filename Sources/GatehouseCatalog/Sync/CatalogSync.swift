import Foundation
import GatehouseStore

/// One full sync: streams every page of the catalog into a new snapshot and switches to it.
///
/// Pages are written as they arrive, one transaction each, while the next page is fetched, so
/// memory holds at most two pages whatever the catalog's size. Any failure throws the staged
/// snapshot away; the current one is only replaced by the final, single-transaction switch.
public struct CatalogSync: Sendable {
    private let client: BackstageClient
    private let store: Store
    private let pageSize: Int

    /// A sync from `client` into `store`, `pageSize` entities per request.
    public init(client: BackstageClient, store: Store, pageSize: Int = 500) {
        self.client = client
        self.store = store
        self.pageSize = max(1, pageSize)
    }

    /// Runs the sync, calling `progress` after each page is committed.
    public func run(progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) async throws(CatalogError) -> SyncReport {
        let started = ContinuousClock.now
        let snapshot: Int64
        do {
            snapshot = try await store.writer.write { db in try SnapshotWriter.begin(db) }
        } catch {
            throw .store("\(error)")
        }
        do {
            let report = try await fill(snapshot, started: started, progress: progress)
            try await store.writer.write { db in try SnapshotWriter.purgeRetired(db) }
            return report
        } catch {
            let failure = (error as? CatalogError) ?? (Task.isCancelled ? .cancelled : .store("\(error)"))
            try? await store.writer.write { db in try SnapshotWriter.abandon(snapshot, reason: failure.description, db) }
            throw failure
        }
    }

    private func fill(
        _ snapshot: Int64, started: ContinuousClock.Instant, progress: @escaping @Sendable (SyncProgress) -> Void
    ) async throws -> SyncReport {
        var page = try await client.page(cursor: nil, limit: pageSize)
        var entities = 0
        var relations = 0
        var pages = 1
        while true {
            let items = page.items
            let nextCursor = page.nextCursor.flatMap { items.isEmpty ? nil : $0 }
            // Write this page while the next one is on the wire.
            async let written = store.writer.write { db in try SnapshotWriter.insert(items, into: snapshot, db) }
            let next = try await nextCursor.asyncMap { try await client.page(cursor: $0, limit: pageSize) }
            relations += try await written
            entities += items.count
            try Task.checkCancellation()
            progress(
                SyncProgress(
                    entities: entities, totalItems: page.totalItems, pages: pages, elapsedSeconds: Self.seconds(since: started)))
            guard let next else { break }
            page = next
            pages += 1
        }
        let (entityCount, relationCount) = (entities, relations)
        try await store.writer.write { db in
            try SnapshotWriter.commit(snapshot, entities: entityCount, relations: relationCount, db)
        }
        return SyncReport(
            snapshotId: snapshot, entities: entities, relations: relations, pages: pages, elapsedSeconds: Self.seconds(since: started))
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start) / .seconds(1)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
