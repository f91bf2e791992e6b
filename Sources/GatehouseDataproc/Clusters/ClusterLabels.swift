import Foundation
import GatehouseCore

/// The labels Gatehouse puts on every cluster it creates, so it can find them again (teardown) and
/// people can see whose they are, written to Dataproc's label rules.
public enum ClusterLabels {
    /// The owning group of the entity.
    public static let owner = "gatehouse-owner"
    /// The catalog entity the cluster is for.
    public static let entity = "gatehouse-entity"
    /// The person who asked for it.
    public static let principal = "gatehouse-principal"
    /// Keys Gatehouse sets; callers may not.
    public static let reservedPrefix = "gatehouse-"

    /// `text` as a label value: lowercase letters, digits, `_` and `-` only (anything else becomes
    /// `-`, runs collapse), at most 63 characters.
    public static func sanitize(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            let allowed = character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
            if allowed {
                result.append(character)
            } else if !result.hasSuffix("-") {
                result.append("-")
            }
        }
        var trimmed = String(result.prefix(63))
        while trimmed.hasSuffix("-") { trimmed.removeLast() }
        while trimmed.hasPrefix("-") { trimmed.removeFirst() }
        return trimmed
    }

    /// The three labels for a cluster of `entity` (a ref), owned by `owner` (a group ref), asked for by `principal`.
    public static func labels(entity: String, owner: String?, principal: String) -> [String: String] {
        [
            Self.entity: sanitize(entity),
            Self.owner: sanitize(owner.map(Self.shortName) ?? "none"),
            Self.principal: sanitize(principal),
        ]
    }

    /// `group:default/team-a` → `team-a`: the name is what people recognise.
    static func shortName(_ ref: String) -> String {
        ref.split(separator: "/").last.map(String.init) ?? ref
    }
}
