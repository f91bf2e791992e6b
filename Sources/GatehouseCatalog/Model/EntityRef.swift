import Foundation
import GatehouseCore

/// A Backstage entity reference, `kind:namespace/name`, compared case-insensitively.
///
/// Parsing follows Backstage's `parseEntityRef`: the kind and namespace may be omitted and are
/// then taken from the context (a `spec.owner` defaults to kind `group`, `spec.memberOf` too;
/// a bare ref given by a user defaults to `component`), the namespace defaults to `default`.
public struct EntityRef: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Lowercased kind, e.g. `component`.
    public let kind: String
    /// Lowercased namespace, e.g. `default`.
    public let namespace: String
    /// Lowercased name.
    public let name: String

    /// A ref from its parts, lowercased.
    public init(kind: String, namespace: String = "default", name: String) {
        self.kind = kind.lowercased()
        self.namespace = namespace.lowercased()
        self.name = name.lowercased()
    }

    /// Parses `[kind:][namespace/]name`, filling what is missing from the defaults.
    public init(parsing text: String, defaultKind: String = "component", defaultNamespace: String = "default") throws(CatalogError) {
        guard let parts = EntityRefSyntax.split(text, defaultKind: defaultKind, defaultNamespace: defaultNamespace) else {
            throw .invalidRef(text.trimmingCharacters(in: .whitespaces))
        }
        self.init(kind: parts.kind, namespace: parts.namespace, name: parts.name)
    }

    /// Parses, or nil when `text` is not a ref (for lenient reading of catalog data).
    public static func lenient(_ text: String, defaultKind: String, defaultNamespace: String = "default") -> EntityRef? {
        try? EntityRef(parsing: text, defaultKind: defaultKind, defaultNamespace: defaultNamespace)
    }

    /// `kind:namespace/name`, lowercased: the key the store indexes.
    public var description: String { "\(kind):\(namespace)/\(name)" }

    public static func < (lhs: EntityRef, rhs: EntityRef) -> Bool { lhs.description < rhs.description }
}
