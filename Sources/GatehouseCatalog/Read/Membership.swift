import GatehouseCore

/// Who a principal is in the catalog: their `User` entity and every group they belong to,
/// directly or through the group hierarchy.
public struct Membership: Sendable, Codable, Equatable {
    /// A group the principal is directly in, and what says so.
    public struct DirectGroup: Sendable, Codable, Equatable {
        public var group: String
        /// `memberOf` (the catalog's User entity) or `idToken` (the ID token's groups claim).
        public var source: String
    }

    /// The principal's `User` entity ref, when the catalog has one (matched by name = subject, or by email).
    public var user: String?
    /// Groups the principal is directly in.
    public var direct: [DirectGroup]
    /// Every group reached through `childOf`, with the number of hops from the nearest direct group (0 = direct).
    public var groups: [String: Int]

    /// True when `ref` is the principal's user or one of their groups.
    public func includes(_ ref: String) -> Bool { ref == user || groups[ref] != nil }
}

/// The catalog facts a policy decision rests on, read in one transaction from one snapshot.
public struct AccessFacts: Sendable {
    /// The edge that makes a group member a viewer: the entity's owning group and its parent.
    public struct ParentEdge: Sendable, Equatable {
        public var owner: String
        public var parent: String
    }

    public var snapshot: CatalogSnapshot
    public var entity: CatalogEntity
    public var membership: Membership
    /// The owner through which the principal owns the entity (their user, or one of their groups).
    public var ownedThrough: String?
    /// Set when the principal is in a parent group of the entity's owning group.
    public var parentEdge: ParentEdge?
}
