import Foundation

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
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var rest = Substring(trimmed)
        var kind = defaultKind
        if let colon = rest.firstIndex(of: ":") {
            kind = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        var namespace = defaultNamespace
        if let slash = rest.firstIndex(of: "/") {
            namespace = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        guard !kind.isEmpty, !namespace.isEmpty, !rest.isEmpty, !rest.contains(":"), !rest.contains("/") else {
            throw .invalidRef(trimmed)
        }
        self.init(kind: kind, namespace: namespace, name: String(rest))
    }

    /// Parses, or nil when `text` is not a ref (for lenient reading of catalog data).
    public static func lenient(_ text: String, defaultKind: String, defaultNamespace: String = "default") -> EntityRef? {
        try? EntityRef(parsing: text, defaultKind: defaultKind, defaultNamespace: defaultNamespace)
    }

    /// `kind:namespace/name`, lowercased: the key the store indexes.
    public var description: String { "\(kind):\(namespace)/\(name)" }

    public static func < (lhs: EntityRef, rhs: EntityRef) -> Bool { lhs.description < rhs.description }
}
