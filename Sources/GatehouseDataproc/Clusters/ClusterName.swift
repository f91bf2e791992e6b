import Foundation

/// Dataproc cluster names Gatehouse makes: `gh-<entity name>-<short id>`.
public enum ClusterName {
    /// Dataproc's limit on cluster names.
    public static let maxLength = 51

    /// The name for a cluster of the entity named `entityName` with local id `localID`: lowercase
    /// letters, digits and hyphens, starting with a letter, at most 51 characters, never ending with
    /// a hyphen. The last 8 characters of the id keep names of one entity apart.
    public static func derive(entityName: String, localID: String) -> String {
        let suffix = String(ClusterLabels.sanitize(localID).filter { $0.isLetter || $0.isNumber }.suffix(8))
        let room = maxLength - "gh-".count - 1 - suffix.count
        var middle = String(ClusterLabels.sanitize(entityName).replacingOccurrences(of: "_", with: "-").prefix(room))
        while middle.hasSuffix("-") { middle.removeLast() }
        return middle.isEmpty ? "gh-\(suffix)" : "gh-\(middle)-\(suffix)"
    }

    /// Whether `name` follows Dataproc's cluster name rules.
    public static func isValid(_ name: String) -> Bool {
        name.range(of: #"^[a-z]([a-z0-9-]{0,49}[a-z0-9])?$"#, options: .regularExpression) != nil
    }
}
