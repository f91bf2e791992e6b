import GatehouseCore

/// Computes `relations` the way Backstage's built-in kinds processor does: each spec field yields a
/// relation on the entity and the reverse relation on the target (when the target exists).
enum EntityRelations {
    /// A spec field, the relation it yields, the reverse, and the kind assumed when the ref has none.
    struct Rule {
        var field: String
        var kinds: Set<String>
        var type: String
        var reverse: String
        var defaultKind: String?
    }

    static let rules: [Rule] = [
        Rule(
            field: "owner", kinds: ["component", "api", "resource", "system", "domain", "template"], type: "ownedBy", reverse: "ownerOf",
            defaultKind: "Group"),
        Rule(field: "system", kinds: ["component", "api", "resource"], type: "partOf", reverse: "hasPart", defaultKind: "System"),
        Rule(field: "domain", kinds: ["system"], type: "partOf", reverse: "hasPart", defaultKind: "Domain"),
        Rule(field: "subdomainOf", kinds: ["domain"], type: "partOf", reverse: "hasPart", defaultKind: "Domain"),
        Rule(field: "subcomponentOf", kinds: ["component"], type: "partOf", reverse: "hasPart", defaultKind: "Component"),
        Rule(field: "providesApis", kinds: ["component"], type: "providesApi", reverse: "apiProvidedBy", defaultKind: "API"),
        Rule(field: "consumesApis", kinds: ["component"], type: "consumesApi", reverse: "apiConsumedBy", defaultKind: "API"),
        Rule(field: "dependsOn", kinds: ["component", "resource"], type: "dependsOn", reverse: "dependencyOf", defaultKind: "Component"),
        Rule(field: "dependencyOf", kinds: ["component", "resource"], type: "dependencyOf", reverse: "dependsOn", defaultKind: "Component"),
        Rule(field: "memberOf", kinds: ["user"], type: "memberOf", reverse: "hasMember", defaultKind: "Group"),
        Rule(field: "parent", kinds: ["group"], type: "childOf", reverse: "parentOf", defaultKind: "Group"),
        Rule(field: "children", kinds: ["group"], type: "parentOf", reverse: "childOf", defaultKind: "Group"),
        Rule(field: "members", kinds: ["group"], type: "hasMember", reverse: "memberOf", defaultKind: "User"),
    ]

    /// Relations per entity ref key, deduplicated and sorted, for every entity given.
    static func compute(for entities: [(ref: EntityRef, entity: JSONValue)]) -> [String: [JSONValue]] {
        let known = Dictionary(entities.map { ($0.ref.key, $0.ref) }, uniquingKeysWith: { first, _ in first })
        var relations: [String: Set<Relation>] = [:]
        for (ref, entity) in entities {
            let kind = ref.kind.lowercased()
            for rule in rules where rule.kinds.contains(kind) {
                for target in entity.value(at: ["spec", rule.field])?.stringList ?? [] {
                    guard let targetRef = EntityRef(parsing: target, defaultKind: rule.defaultKind, defaultNamespace: ref.namespace) else { continue }
                    // Stored refs keep the target's own spelling when it exists, as Backstage's stitcher shows them.
                    let resolved = known[targetRef.key] ?? targetRef
                    relations[ref.key, default: []].insert(Relation(type: rule.type, targetRef: resolved.description))
                    if known[targetRef.key] != nil {
                        relations[targetRef.key, default: []].insert(Relation(type: rule.reverse, targetRef: ref.description))
                    }
                }
            }
        }
        return relations.mapValues { set in
            set.sorted { ($0.type, $0.targetRef) < ($1.type, $1.targetRef) }
                .map { ["type": .string($0.type), "targetRef": .string($0.targetRef)] }
        }
    }

    private struct Relation: Hashable {
        var type: String
        var targetRef: String
    }
}
