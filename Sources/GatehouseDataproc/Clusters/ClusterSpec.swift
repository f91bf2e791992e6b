import Foundation
import GatehouseCore

/// The `Cluster` Gatehouse sends for `cluster.create`: a template, the caller's overrides merged
/// over it, Gatehouse's name, project, labels and lifecycle, checked against the discovery document.
public struct ClusterSpec: Sendable, Equatable {
    /// The `Cluster` body of `clusters.create`.
    public let cluster: JSONValue
    /// Its `config.lifecycleConfig.autoDeleteTtl` (seconds after creation).
    public let autoDeleteSeconds: Int
    /// Its `config.lifecycleConfig.idleDeleteTtl` (seconds).
    public let idleDeleteSeconds: Int

    /// What the cluster is for and whose it is.
    public struct Owner: Sendable, Equatable {
        public var entity: String
        public var entityName: String
        public var group: String?
        public var principal: String
        public var project: String

        /// The facts Gatehouse writes into the name and labels.
        public init(entity: String, entityName: String, group: String?, principal: String, project: String) {
            self.entity = entity
            self.entityName = entityName
            self.group = group
            self.principal = principal
            self.project = project
        }
    }

    /// Fields of `Cluster` that Gatehouse sets; an override may not.
    static let gatehouseFields = ["clusterName", "projectId"]

    /// Builds and validates; the error lists every problem found.
    public init(
        template: ClusterTemplate, overrides: JSONValue?, owner: Owner, localID: String, lifetime: ClusterLifetime,
        schemas: DiscoverySchemas = .dataprocClusters
    ) throws(ClusterError) {
        var problems: [String] = []
        let overrides = overrides ?? .object([:])
        guard case .object(let members) = overrides else {
            throw .invalidSpec(["overrides must be a partial Cluster object, e.g. {\"config\": {\"workerConfig\": {\"numInstances\": 4}}}"])
        }
        for field in Self.gatehouseFields where members[field] != nil {
            problems.append("cluster.\(field) is set by Gatehouse; leave it out")
        }
        for key in (members["labels"]?.objectValue ?? [:]).keys.sorted() where key.hasPrefix(ClusterLabels.reservedPrefix) {
            problems.append("cluster.labels.\(key) is set by Gatehouse; labels starting with \(ClusterLabels.reservedPrefix) are reserved")
        }
        let lifecycle = overrides["config"]?["lifecycleConfig"]
        if lifecycle?["autoDeleteTime"] != nil {
            problems.append(
                "cluster.config.lifecycleConfig.autoDeleteTime is not accepted; give autoDeleteTtl (a duration after creation) so the maximum can be enforced"
            )
        }
        func seconds(_ field: String) -> Int? {
            guard let value = lifecycle?[field] else { return nil }
            guard let seconds = ClusterDuration.seconds(google: value.stringValue) else {
                problems.append("cluster.config.lifecycleConfig.\(field) must be a duration in seconds such as \"3600s\"")
                return nil
            }
            return seconds
        }
        let idle = seconds("idleDeleteTtl") ?? lifetime.idleDelete
        let auto = seconds("autoDeleteTtl") ?? lifetime.autoDelete
        problems += lifetime.problems(idleDelete: idle, autoDelete: auto)

        var merged = Self.merge(template.cluster, overrides)
        let name = ClusterName.derive(entityName: owner.entityName, localID: localID)
        var labels = merged["labels"]?.objectValue ?? [:]
        for (key, value) in ClusterLabels.labels(entity: owner.entity, owner: owner.group, principal: owner.principal) {
            labels[key] = .string(value)
        }
        merged = Self.merge(
            merged,
            [
                "clusterName": .string(name), "projectId": .string(owner.project), "labels": .object(labels),
                "config": [
                    "lifecycleConfig": [
                        "idleDeleteTtl": .string(ClusterDuration.google(idle)), "autoDeleteTtl": .string(ClusterDuration.google(auto)),
                    ]
                ],
            ])
        problems += schemas.problems(merged, as: "Cluster", path: "cluster")
        if let workers = merged["config"]?["workerConfig"]?["numInstances"]?.intValue, workers == 1 || workers < 0 {
            problems.append("cluster.config.workerConfig.numInstances must be 0 (single node) or at least 2, not \(workers)")
        }
        guard problems.isEmpty else { throw .invalidSpec(problems) }
        cluster = merged
        autoDeleteSeconds = auto
        idleDeleteSeconds = idle
    }

    /// `over` merged into `base`: objects member by member, anything else replaced.
    public static func merge(_ base: JSONValue, _ over: JSONValue) -> JSONValue {
        guard case .object(var members) = base, case .object(let changes) = over else { return over }
        for (key, value) in changes {
            members[key] = members[key].map { merge($0, value) } ?? value
        }
        return .object(members)
    }

    /// The Dataproc name of the cluster.
    public var name: String { cluster["clusterName"]?.stringValue ?? "" }
}
