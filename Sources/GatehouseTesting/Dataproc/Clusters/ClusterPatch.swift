import Foundation
import GatehouseCore

/// A `clusters.patch`: the fields `updateMask` names, taken from the body.
///
/// The discovery text lists labels and the worker counts; the API reference's table also lists
/// the lifecycle fields (its discovery copy is cut short), which is what Gatehouse's
/// `cluster.extend` needs. Mask paths may be snake_case (as documented) or camelCase.
struct ClusterPatch {
    /// The fields a patch may change.
    enum Field: String, CaseIterable {
        case labels
        case workers = "config.worker_config.num_instances"
        case secondaryWorkers = "config.secondary_worker_config.num_instances"
        case autoDeleteTtl = "config.lifecycle_config.auto_delete_ttl"
        case autoDeleteTime = "config.lifecycle_config.auto_delete_time"
        case idleDeleteTtl = "config.lifecycle_config.idle_delete_ttl"

        /// The `LifecycleConfig` member this field stands for, if it is one.
        var lifecycleField: String? {
            switch self {
            case .autoDeleteTtl: "autoDeleteTtl"
            case .autoDeleteTime: "autoDeleteTime"
            case .idleDeleteTtl: "idleDeleteTtl"
            default: nil
            }
        }
    }

    let fields: [Field]
    let body: JSONValue

    init(updateMask: String?, body: JSONValue) throws(SandboxHTTPError) {
        let paths = (updateMask ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !paths.isEmpty else {
            throw .badRequest("updateMask is required: name the fields to change, e.g. updateMask=config.lifecycle_config.auto_delete_ttl.")
        }
        var fields: [Field] = []
        for path in paths {
            guard let field = Field(rawValue: Self.snakeCase(path)) else {
                throw .badRequest(
                    "Invalid updateMask path '\(path)': only \(Field.allCases.map(\.rawValue).joined(separator: ", ")) can be updated.")
            }
            fields.append(field)
        }
        self.fields = fields
        self.body = body
    }

    private static func snakeCase(_ path: String) -> String {
        var result = ""
        for character in path {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Applies the masked fields to `cluster`, checking them as `clusters.create` would.
    func apply(to cluster: inout DataprocCluster, now: Date) throws(SandboxHTTPError) {
        if let name = body["clusterName"]?.stringValue, name != cluster.clusterName {
            throw .badRequest("Cluster clusterName '\(name)' does not match the cluster '\(cluster.clusterName)' in the URL.")
        }
        var sent = cluster.sent
        // Only the masked lifecycle fields count: a body copied from clusters.get may carry the others.
        let sentLifecycle = body.value(at: ["config", "lifecycleConfig"])?.objectValue ?? [:]
        let requested = try ClusterLifecycle(.object(sentLifecycle.filter { name, _ in fields.contains { $0.lifecycleField == name } }), now: now)
        var lifecycle = cluster.lifecycle
        for field in fields {
            switch field {
            case .labels:
                cluster.labels = try DataprocClusterRules.checkLabels(body["labels"], service: cluster.serviceLabels)
            case .workers, .secondaryWorkers:
                let group = field == .workers ? "workerConfig" : "secondaryWorkerConfig"
                sent = sent.setting(["config", group, "numInstances"], to: body.value(at: ["config", group, "numInstances"]) ?? .null)
            case .autoDeleteTtl:
                lifecycle.autoDeleteTtl = requested.autoDeleteTtl
                if requested.autoDeleteTtl != nil { lifecycle.autoDeleteTime = nil }
            case .autoDeleteTime:
                lifecycle.autoDeleteTime = requested.autoDeleteTime
                if requested.autoDeleteTime != nil { lifecycle.autoDeleteTtl = nil }
            case .idleDeleteTtl:
                lifecycle.idleDeleteTtl = requested.idleDeleteTtl
            }
        }
        try DataprocClusterRules.checkWorkers(sent["config"])
        try lifecycle.check(now: now)
        cluster.sent = sent
        if lifecycle != cluster.lifecycle {
            cluster.lifecycle = lifecycle
            cluster.lifecycleChangedAt = now
        }
    }
}
