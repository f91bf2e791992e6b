import Foundation
import GatehouseCore
import Synchronization

/// The catalog's entities, prepared once: sorted by ref, indexed by ref and uid, with the result
/// order of recent queries cached so paging through a filtered query does not re-filter each page.
final class CatalogIndex: Sendable {
    let entities: [CatalogEntity]
    private let byRef: [String: Int]
    private let byUID: [String: Int]
    private let cache = Mutex<[CatalogQuery: [Int]]>([:])
    private static let cacheCapacity = 16

    /// Builds the index from raw entities: fills namespaces, computes relations, uids and etags.
    init(rawEntities: [JSONValue]) {
        var parsed: [(ref: EntityRef, entity: JSONValue)] = []
        var seen: Set<String> = []
        for entity in rawEntities {
            guard let ref = EntityRef(of: entity) else { continue }
            // A later definition of the same ref replaces an earlier one, as a re-registered location would.
            if seen.contains(ref.key) { parsed.removeAll { $0.ref.key == ref.key } }
            seen.insert(ref.key)
            parsed.append((ref, entity))
        }
        let relations = EntityRelations.compute(for: parsed)
        let prepared = parsed.map { CatalogEntity(raw: $0.entity, ref: $0.ref, relations: relations[$0.ref.key] ?? []) }
            .sorted { $0.ref.key < $1.ref.key }
        entities = prepared
        byRef = Dictionary(prepared.enumerated().map { ($1.ref.key, $0) }, uniquingKeysWith: { first, _ in first })
        byUID = Dictionary(prepared.enumerated().map { ($1.uid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The entity with this ref (case-insensitive).
    func entity(ref: EntityRef) -> CatalogEntity? { byRef[ref.key].map { entities[$0] } }

    /// The entity with this uid.
    func entity(uid: String) -> CatalogEntity? { byUID[uid].map { entities[$0] } }

    /// Positions in `entities` of the query's matches, in the query's order.
    func matches(_ query: CatalogQuery) throws(SandboxHTTPError) -> [Int] {
        if query.isUnfiltered { return Array(entities.indices) }
        if let cached = cache.withLock({ $0[query] }) { return cached }
        let filter = try EntityFilter(parameters: query.filter)
        let orders = try query.orders()
        let term = query.fullTextTerm?.lowercased() ?? ""
        let termFields = query.fullTextFields.map { $0.lowercased() }
        var result = entities.indices.filter { index in
            let entity = entities[index]
            return filter.matches(entity) && (term.isEmpty || Self.fullTextMatches(entity, term: term, fields: termFields))
        }
        if !orders.isEmpty {
            result.sort { Self.ordered(entities[$0], before: entities[$1], by: orders) }
        }
        cache.withLock { cache in
            if cache.count >= Self.cacheCapacity { cache.removeAll() }
            cache[query] = result
        }
        return result
    }

    private static func fullTextMatches(_ entity: CatalogEntity, term: String, fields: [String]) -> Bool {
        let keys = fields.isEmpty ? Array(entity.search.keys) : fields
        return keys.contains { key in entity.search[key]?.contains { $0.contains(term) } ?? false }
    }

    private static func ordered(_ lhs: CatalogEntity, before rhs: CatalogEntity, by orders: [CatalogQuery.Order]) -> Bool {
        for order in orders {
            let left = lhs.search[order.field]?.first
            let right = rhs.search[order.field]?.first
            if left == right { continue }
            // Entities without the field sort last in either direction, as Backstage's SQL does with NULLs.
            guard let left else { return false }
            guard let right else { return true }
            return order.ascending ? left < right : left > right
        }
        return lhs.ref.key < rhs.ref.key
    }
}
