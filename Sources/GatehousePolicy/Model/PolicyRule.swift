/// A configured rule (from `policy.rules_file`): grants or denies `actions` when every condition given matches.
///
/// ```yaml
/// rules:
///   - name: sre-prod-submit
///     effect: allow
///     actions: [job.submit]
///     groups: [group:default/sre]
///     lifecycles: [production]
///     owners: false
/// ```
public struct PolicyRule: Sendable, Codable, Equatable {
    /// Allow or deny; a matching deny beats every allow.
    public enum Effect: String, Sendable, Codable {
        case allow, deny
    }

    /// Shown as the decision's `rule`.
    public var name: String
    public var effect: Effect
    /// Actions it covers; `*` covers all known actions.
    public var actions: [String]
    /// The principal must be in one of these groups (directly or through the hierarchy); `*` is anyone.
    public var groups: [String]?
    /// The principal must be one of these (user ref, subject or email).
    public var users: [String]?
    /// The entity's kind must be one of these.
    public var kinds: [String]?
    /// The entity's lifecycle must be one of these.
    public var lifecycles: [String]?
    /// Each label must have this value (`*`: any value, present).
    public var labels: [String: String]?
    /// Each annotation must have this value (`*`: any value, present).
    public var annotations: [String: String]?
    /// The entity must be one of these refs.
    public var entities: [String]?
    /// true: the principal must own the entity; false: must not; nil: either.
    public var owners: Bool?

    /// A rule; only `name`, `effect` and `actions` are required.
    public init(
        name: String, effect: Effect, actions: [String], groups: [String]? = nil, users: [String]? = nil, kinds: [String]? = nil,
        lifecycles: [String]? = nil, labels: [String: String]? = nil, annotations: [String: String]? = nil,
        entities: [String]? = nil, owners: Bool? = nil
    ) {
        self.name = name
        self.effect = effect
        self.actions = actions
        self.groups = groups
        self.users = users
        self.kinds = kinds
        self.lifecycles = lifecycles
        self.labels = labels
        self.annotations = annotations
        self.entities = entities
        self.owners = owners
    }
}

/// The document `policy.rules_file` holds.
public struct PolicyRuleSet: Sendable, Codable, Equatable {
    public var rules: [PolicyRule]
    /// Which allowed actions wait for a person's approval, by caller class (absent: none from the file).
    public var approvals: [ApprovalRule]?

    /// A rule set.
    public init(rules: [PolicyRule], approvals: [ApprovalRule]? = nil) {
        self.rules = rules
        self.approvals = approvals
    }
}
