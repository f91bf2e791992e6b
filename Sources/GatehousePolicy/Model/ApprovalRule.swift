/// A rule that holds an allowed action for a person's approval when a given kind of caller asks
/// (from `policy.rules_file`'s `approvals:` list, or the `oversight.require_approval` shorthand).
///
/// ```yaml
/// approvals:
///   - name: prod-jobs-need-a-person
///     actions: [job.submit]
///     lifecycles: [production]
///     callers: [automation, ai-agent]
/// ```
public struct ApprovalRule: Sendable, Codable, Equatable {
    /// Shown as the reason an approval was required.
    public var name: String
    /// Actions it covers; `*` covers all.
    public var actions: [String]
    /// Caller classes it applies to; `*` is every caller. Absent: every caller that is not `interactive`.
    public var callers: [String]?
    /// The entity's lifecycle must be one of these.
    public var lifecycles: [String]?
    /// The entity's kind must be one of these.
    public var kinds: [String]?
    /// The entity must be one of these refs.
    public var entities: [String]?

    /// A rule; only `name` and `actions` are required.
    public init(
        name: String, actions: [String], callers: [String]? = nil, lifecycles: [String]? = nil,
        kinds: [String]? = nil, entities: [String]? = nil
    ) {
        self.name = name
        self.actions = actions
        self.callers = callers
        self.lifecycles = lifecycles
        self.kinds = kinds
        self.entities = entities
    }

    /// The caller class of anyone at a terminal; approval rules without `callers` leave it alone.
    public static let interactiveClass = "interactive"
}
