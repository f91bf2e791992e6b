import GatehouseCatalog
import GatehouseDataproc
import Synchronization

/// Where each entity's jobs run, remembered per catalog snapshot: the annotations cannot change
/// within a snapshot, and reading the entity again for every submission is most of its cost.
final class DataprocLocations: Sendable {
    private let catalog: CatalogReader
    private let known = Mutex<[String: DataprocLocation]>([:])
    /// Enough for every entity a person submits for; a full map is simply forgotten.
    private let capacity = 4096

    init(catalog: CatalogReader) {
        self.catalog = catalog
    }

    /// The location of `ref` in the snapshot policy just decided on (`snapshotAt`), from memory when known.
    func location(of ref: EntityRef, snapshotAt: String?) async throws -> DataprocLocation {
        let key = (snapshotAt ?? "") + " " + ref.description
        if snapshotAt != nil, let hit = known.withLock({ $0[key] }) { return hit }
        let (entity, _, snapshot) = try await catalog.entity(ref)
        let location = try DataprocLocation(annotations: entity.annotations, entity: ref.description)
        // Keyed by the snapshot the entity was read from, which is the one policy used unless a sync just switched it.
        let stored = snapshot.snapshotAt + " " + ref.description
        known.withLock { known in
            if known.count >= capacity { known.removeAll(keepingCapacity: true) }
            known[stored] = location
        }
        return location
    }
}
