import Foundation
import GatehouseCatalog
import Synchronization

/// Which dashboards each entity links to, per catalog snapshot: annotations only change with a
/// sync, so a hot `dashboard.get` need not read and decode the entity again. A new snapshot
/// (another `snapshotAt` in the policy decision) starts a new memo.
final class DashboardLinks: Sendable {
    private struct Memo {
        var snapshotAt: String?
        var ids: [String: [String]] = [:]
    }

    private let memo = Mutex(Memo())
    private let catalog: CatalogReader

    init(catalog: CatalogReader) {
        self.catalog = catalog
    }

    /// The ids in `ref`'s `looker.com/dashboard-ids`, as of the snapshot taken at `snapshotAt`.
    func ids(of ref: EntityRef, snapshotAt: String?) async throws -> [String] {
        let name = ref.description
        if let snapshotAt, let known = memo.withLock({ $0.snapshotAt == snapshotAt ? $0.ids[name] : nil }) { return known }
        let (entity, _, _) = try await catalog.entity(ref)
        let ids = Self.parse(entity.annotations[DashboardComponent.annotation])
        memo.withLock { memo in
            if memo.snapshotAt != snapshotAt { memo = Memo(snapshotAt: snapshotAt) }
            memo.ids[name] = ids
        }
        return ids
    }

    /// The ids of an annotation value like `12, 34`.
    static func parse(_ annotation: String?) -> [String] {
        (annotation ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
