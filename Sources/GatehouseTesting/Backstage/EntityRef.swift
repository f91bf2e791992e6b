import Foundation
import GatehouseCore

/// A Backstage entity reference `kind:namespace/name`, parsed with the defaults a field implies
/// (`EntityRefSyntax`, as the catalog client does). Its own type because it keeps the name's case, as Backstage does.
struct EntityRef: Hashable, Sendable, CustomStringConvertible {
    var kind: String
    var namespace: String
    var name: String

    /// Parses `[kind:][namespace/]name`; nil when no kind is given and there is no default.
    init?(parsing text: String, defaultKind: String?, defaultNamespace: String = "default") {
        guard let parts = EntityRefSyntax.split(text, defaultKind: defaultKind, defaultNamespace: defaultNamespace) else { return nil }
        self.init(kind: parts.kind, namespace: parts.namespace, name: parts.name)
    }

    /// The ref of a raw entity (`kind`, `metadata.name`, `metadata.namespace` or `default`); nil without kind or name.
    init?(of entity: JSONValue) {
        guard let kind = entity["kind"]?.stringValue, let name = entity.value(at: "metadata.name")?.stringValue else { return nil }
        self.init(kind: kind, namespace: entity.value(at: "metadata.namespace")?.stringValue ?? "default", name: name)
    }

    init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Backstage's stringified form: kind lowercased, namespace and name as written.
    var description: String { "\(kind.lowercased()):\(namespace)/\(name)" }

    /// The case-insensitive lookup key.
    var key: String { description.lowercased() }
}
