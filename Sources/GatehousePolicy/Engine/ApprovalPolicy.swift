import Foundation
import GatehouseCatalog

/// Decides whether an action that policy allowed must still wait for a person, from the caller's
/// class and the entity's catalog facts. Runs after `Policy.decide`: approval never turns a deny into an allow.
public struct ApprovalPolicy: Sendable {
    /// The rules, in the order they are tried.
    public let rules: [ApprovalRule]
    private let catalog: CatalogReader

    /// Approval rules over the catalog snapshot (for lifecycle and kind conditions).
    public init(rules: [ApprovalRule], catalog: CatalogReader) {
        self.rules = rules
        self.catalog = catalog
    }

    /// The rule that holds `action` on `entity` for a caller of `callerClass`, or nil when it may go ahead.
    public func requirement(action: String, entity: String, callerClass: String) async -> ApprovalRule? {
        let candidates = rules.filter { $0.covers(action: action, callerClass: callerClass) }
        guard !candidates.isEmpty else { return nil }
        let facts = await entityFacts(entity)
        return candidates.first { $0.matches(entity: facts) }
    }

    private func entityFacts(_ entity: String) async -> CatalogEntity? {
        guard let ref = try? EntityRef(parsing: entity) else { return nil }
        return try? await catalog.entity(ref).0
    }
}

extension ApprovalRule {
    /// The action and caller conditions, which need no catalog.
    func covers(action: String, callerClass: String) -> Bool {
        guard actions.contains("*") || actions.contains(action) else { return false }
        guard let callers else { return callerClass != Self.interactiveClass }
        return callers.contains("*") || callers.contains(callerClass)
    }

    /// The entity conditions. An entity the snapshot does not have matches every condition:
    /// when in doubt, a person looks (fail closed).
    func matches(entity: CatalogEntity?) -> Bool {
        guard let entity else { return true }
        if let lifecycles, !lifecycles.map({ $0.lowercased() }).contains(entity.lifecycle?.lowercased() ?? "") { return false }
        if let kinds, !kinds.map({ $0.lowercased() }).contains(entity.kind) { return false }
        if let entities {
            let refs = entities.compactMap { EntityRef.lenient($0, defaultKind: "component")?.description }
            guard refs.contains(entity.ref) else { return false }
        }
        return true
    }

    /// A rule from the config shorthand `action` or `action@lifecycle` (e.g. `job.submit@production`),
    /// applying to every caller that is not interactive.
    public init(shorthand: String) throws(ApprovalRuleError) {
        let parts = shorthand.split(separator: "@", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw .badShorthand(shorthand)
        }
        guard parts[0] == "*" || PolicyAction(rawValue: parts[0]) != nil else { throw .unknownAction(parts[0]) }
        self.init(
            name: "approval:" + shorthand.replacingOccurrences(of: " ", with: ""), actions: [parts[0]],
            lifecycles: parts.count == 2 ? [parts[1]] : nil)
    }
}

/// Why an approval rule could not be read.
public enum ApprovalRuleError: Error, CustomStringConvertible, Equatable {
    case badShorthand(String)
    case unknownAction(String)

    public var description: String {
        switch self {
        case .badShorthand(let text):
            "approval rule \"\(text)\" is not `action` or `action@lifecycle` (e.g. job.submit@production)"
        case .unknownAction(let action):
            "approval rule names \(action), which is not a known action; known: \(PolicyAction.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
