/// A policy answer: allow or deny, the rule that decided, why, and the catalog snapshot it rests on.
public struct Decision: Sendable, Codable, Equatable {
    /// The two answers.
    public enum Outcome: String, Sendable, Codable {
        case allow, deny
    }

    public var decision: Outcome
    /// The rule that decided: a built-in (`owner`, `parent-group`, `default-deny`, `production-needs-grant`,
    /// `stale-snapshot`, `no-snapshot`, `unknown-entity`, `unknown-action`) or a configured rule's name.
    public var rule: String
    /// One sentence a person can act on.
    public var reason: String
    /// When the catalog snapshot used was taken (nil when there is none).
    public var snapshotAt: String?

    /// A decision.
    public init(_ decision: Outcome, rule: String, reason: String, snapshotAt: String?) {
        self.decision = decision
        self.rule = rule
        self.reason = reason
        self.snapshotAt = snapshotAt
    }

    /// True for `allow`.
    public var isAllowed: Bool { decision == .allow }
}

/// A decision with the chain of facts that led to it (`policy.explain`).
public struct Explanation: Sendable, Codable, Equatable {
    public var decision: Decision
    /// Memberships, ownership edges and the rule, in the order they were used.
    public var facts: [String]
    /// The principal's catalog user, when one matched.
    public var user: String?
    /// Every group the principal is in (directly or through the hierarchy), sorted.
    public var groups: [String]
}
