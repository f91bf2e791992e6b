import GatehouseCore

/// A Backstage entity reference `kind:namespace/name`, parsed with the defaults a field implies.
struct EntityRef: Hashable, Sendable, CustomStringConvertible {
    var kind: String
    var namespace: String
    var name: String

    /// Parses `[kind:][namespace/]name`; nil when no kind is given and there is no default.
    init?(parsing text: String, defaultKind: String?, defaultNamespace: String = "default") {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
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
        guard let kind, !kind.isEmpty, !rest.isEmpty, !namespace.isEmpty else { return nil }
        self.kind = kind
        self.namespace = namespace
        self.name = String(rest)
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

import Foundation
