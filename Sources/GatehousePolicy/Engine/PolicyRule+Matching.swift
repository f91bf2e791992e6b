import GatehouseCatalog
import GatehouseCore

extension PolicyRule {
    /// True when the rule covers `action` and every condition it states holds for these facts.
    func matches(action: PolicyAction, principal: Principal, facts: AccessFacts) -> Bool {
        guard actions.contains("*") || actions.contains(action.rawValue) else { return false }
        let entity = facts.entity
        if let groups, !groups.contains("*") {
            let wanted = groups.compactMap { EntityRef.lenient($0, defaultKind: "group")?.description }
            guard wanted.contains(where: { facts.membership.groups[$0] != nil }) else { return false }
        }
        if let users {
            let names = Set([facts.membership.user, principal.subject.lowercased(), principal.email?.lowercased()].compactMap { $0 })
            let wanted = users.map { $0.contains("@") ? $0.lowercased() : EntityRef.lenient($0, defaultKind: "user")?.description ?? $0 }
            guard wanted.contains(where: names.contains) || users.contains(where: { names.contains($0.lowercased()) }) else { return false }
        }
        if let kinds, !kinds.map({ $0.lowercased() }).contains(entity.kind) { return false }
        if let lifecycles, !lifecycles.map({ $0.lowercased() }).contains(entity.lifecycle ?? "") { return false }
        if let labels, !Self.all(labels, in: entity.labels) { return false }
        if let annotations, !Self.all(annotations, in: entity.annotations) { return false }
        if let entities {
            let refs = entities.compactMap { EntityRef.lenient($0, defaultKind: "component")?.description }
            guard refs.contains(entity.ref) else { return false }
        }
        if let owners, owners != (facts.ownedThrough != nil) { return false }
        return true
    }

    private static func all(_ wanted: [String: String], in actual: [String: String]) -> Bool {
        wanted.allSatisfy { key, value in
            guard let present = actual[key] else { return false }
            return value == "*" || present == value
        }
    }
}
