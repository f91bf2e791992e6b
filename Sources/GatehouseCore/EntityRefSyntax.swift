import Foundation

/// The syntax of a Backstage entity reference, `[kind:][namespace/]name`, shared by the catalog
/// client and the sandbox's Backstage: they differ only in what they do with the parts (the client
/// lowercases them into a key; the sandbox, like Backstage, keeps the name's case).
public enum EntityRefSyntax {
    /// The three parts of `text`, the missing ones taken from the defaults; nil when a part is
    /// empty, when there is no kind and no default, or when the name still holds a `:` or `/`.
    public static func split(
        _ text: String, defaultKind: String?, defaultNamespace: String = "default"
    ) -> (kind: String, namespace: String, name: String)? {
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
        guard let kind, !kind.isEmpty, !namespace.isEmpty, !rest.isEmpty, !rest.contains(":"), !rest.contains("/") else { return nil }
        return (kind, namespace, String(rest))
    }
}
