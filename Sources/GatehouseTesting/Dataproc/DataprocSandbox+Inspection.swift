import Foundation
import GatehouseCore

extension DataprocSandbox {
    /// A cluster's state now (`CREATING`, `RUNNING`, `ERROR`, `DELETING`), or `DELETED` once gone.
    public func state(of cluster: DataprocCluster) -> String {
        clusters.observe(cluster, at: clock.now).snapshot.state ?? "DELETED"
    }

    /// The Cluster resource as `clusters.get` shows it now (its last state once gone).
    public func resource(of cluster: DataprocCluster) -> JSONValue {
        cluster.resource(clusters.observe(cluster, at: clock.now).snapshot)
    }

    /// What `GET /admin/dataproc/clusters` shows of one cluster.
    func adminRecord(of cluster: DataprocCluster) -> JSONValue {
        let snapshot = clusters.observe(cluster, at: clock.now).snapshot
        let resource = cluster.resource(snapshot)
        return [
            "projectId": .string(cluster.projectId), "region": .string(cluster.region), "clusterName": .string(cluster.clusterName),
            "clusterUuid": .string(cluster.clusterUuid), "state": .string(snapshot.state ?? "DELETED"),
            "createdAt": .string(GoogleTime.timestamp(cluster.createdAt)), "requestId": cluster.requestId.map { .string($0) } ?? .null,
            "labels": resource["labels"] ?? .null, "lifecycleConfig": resource.value(at: ["config", "lifecycleConfig"]) ?? .null,
            "deletion": snapshot.deletion.map { ["start": .string(GoogleTime.timestamp($0.start)), "reason": .string($0.reason.rawValue)] } ?? .null,
            "cluster": resource,
        ]
    }
}
