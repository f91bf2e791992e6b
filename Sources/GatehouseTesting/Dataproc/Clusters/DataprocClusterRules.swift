import Foundation
import GatehouseCore

/// The naming rules of the discovery document's `Cluster` schema.
///
/// Label rules: the schema's text cites RFC 1035 for keys and values, but real clusters carry
/// values RFC 1035 forbids (the server's own `goog-dataproc-cluster-uuid` label starts with a
/// digit), so values follow Google's general label rule: lowercase letters, digits, `_` and `-`.
enum DataprocClusterRules {
    /// Most labels one cluster may carry.
    static let maximumLabels = 32
    /// Label keys the service sets itself; clients may not.
    static let reservedLabelPrefix = "goog-"

    /// Throws a 400 unless `name` starts with a lowercase letter, has at most 51 lowercase
    /// letters, digits and hyphens, and does not end with a hyphen.
    static func checkName(_ name: String) throws(SandboxHTTPError) {
        guard name.range(of: #"^[a-z]([a-z0-9-]{0,49}[a-z0-9])?$"#, options: .regularExpression) != nil else {
            throw .badRequest(
                "Invalid cluster name '\(name)': start with a lowercase letter, use at most 51 lowercase letters, digits and hyphens, and do not end with a hyphen."
            )
        }
    }

    /// Throws a 400 naming the first label that breaks the rules; returns the client's labels.
    /// `service` holds the labels the service set on an existing cluster: a body copied from
    /// `clusters.get` may carry them back unchanged, and they are left out of the result.
    static func checkLabels(_ value: JSONValue?, service: [String: String] = [:]) throws(SandboxHTTPError) -> [String: String] {
        guard let all = value?.objectValue else { return [:] }
        let members = all.filter { service[$0.key] == nil || service[$0.key] != $0.value.stringValue }
        guard members.count <= maximumLabels else {
            throw .badRequest("Too many labels (\(members.count)): a cluster may carry at most \(maximumLabels).")
        }
        var labels: [String: String] = [:]
        for (key, raw) in members.sorted(by: { $0.key < $1.key }) {
            guard let text = raw.stringValue else { throw .badRequest("Invalid label value for '\(key)': label values are strings.") }
            guard key.range(of: #"^[a-z][a-z0-9_-]{0,62}$"#, options: .regularExpression) != nil else {
                throw .badRequest("Invalid label key '\(key)': 1 to 63 lowercase letters, digits, underscores or hyphens, starting with a letter.")
            }
            guard !key.hasPrefix(reservedLabelPrefix) else {
                throw .badRequest("Invalid label key '\(key)': keys starting with '\(reservedLabelPrefix)' are reserved for the service.")
            }
            guard text.range(of: #"^[a-z0-9_-]{0,63}$"#, options: .regularExpression) != nil else {
                throw .badRequest("Invalid label value '\(text)' for '\(key)': at most 63 lowercase letters, digits, underscores or hyphens.")
            }
            labels[key] = text
        }
        return labels
    }

    /// Throws a 400 unless the worker count is 0 (single node, with the property that allows it) or at least 2.
    static func checkWorkers(_ config: JSONValue?) throws(SandboxHTTPError) {
        guard let workers = config?.value(at: ["workerConfig", "numInstances"]) else { return }
        let count = workers.intValue ?? workers.stringValue.flatMap { Int64($0) } ?? -1
        let allowsZero = config?.value(at: ["softwareConfig", "properties", "dataproc:dataproc.allow.zero.workers"])?.stringValue == "true"
        if count == 0 && allowsZero || count >= 2 { return }
        throw .badRequest(
            "Invalid config.workerConfig.numInstances \(workers.canonicalString): multi-node clusters need at least 2 workers; "
                + "single-node clusters set 0 with the property dataproc:dataproc.allow.zero.workers=true.")
    }
}
