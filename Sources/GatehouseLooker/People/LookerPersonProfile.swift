import Foundation
import GatehouseCore

/// What Looker is told about a person: their embed user's `external_user_id` (the IdP subject),
/// name, groups (by name) and user attribute values, all derived from the catalog.
public struct LookerPersonProfile: Sendable, Hashable {
    /// The IdP subject, used as the embed user's `external_user_id`.
    public var externalUserId: String
    /// Display name for Looker's `first_name`.
    public var name: String
    /// Looker group names the person belongs to (their catalog teams' names).
    public var groups: [String]
    /// User attribute values by Looker attribute name.
    public var attributes: [String: String]

    /// A profile with every field given; lists are sorted so equal facts compare equal.
    public init(externalUserId: String, name: String, groups: [String], attributes: [String: String]) {
        self.externalUserId = externalUserId
        self.name = name
        self.groups = groups.sorted()
        self.attributes = attributes
    }

    /// A stable text of everything Looker is told; a change means the person's view may change.
    public var fingerprint: String {
        let attributeText = attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        return "groups=\(groups.joined(separator: ","))|\(attributeText)"
    }
}

/// Which Looker user attributes carry which catalog facts (config `looker.attribute_teams`,
/// `looker.attribute_entities`); an empty name leaves that fact out.
public struct LookerAttributeMapping: Sendable, Equatable {
    /// Attribute holding the person's team names, comma-separated (default `gatehouse_teams`).
    public var teams: String
    /// Attribute holding the entity refs the person's teams own, comma-separated (default `gatehouse_entities`).
    public var entities: String

    /// The default names.
    public static let standard = LookerAttributeMapping(teams: "gatehouse_teams", entities: "gatehouse_entities")

    /// A mapping with both names given.
    public init(teams: String, entities: String) {
        self.teams = teams
        self.entities = entities
    }

    /// The profile of a person in `teams` (group names) whose teams own `entities` (entity refs).
    public func profile(for principal: Principal, teams: [String], entities: [String]) -> LookerPersonProfile {
        var attributes: [String: String] = [:]
        // Looker reads a multi-value attribute as a filter expression: commas separate values.
        if !self.teams.isEmpty { attributes[self.teams] = Set(teams).sorted().joined(separator: ",") }
        if !self.entities.isEmpty { attributes[self.entities] = Set(entities).sorted().joined(separator: ",") }
        return LookerPersonProfile(
            externalUserId: principal.subject, name: principal.name ?? principal.displayName, groups: teams, attributes: attributes)
    }
}
