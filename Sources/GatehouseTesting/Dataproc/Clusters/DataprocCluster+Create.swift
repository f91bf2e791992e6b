import Foundation
import GatehouseCore

extension DataprocCluster {
    /// A new cluster from a `clusters.create` body (already checked against the `Cluster` schema),
    /// after the rules the API adds to the schema: name, project, labels, workers, lifecycle.
    init(creating body: JSONValue, projectId: String, region: String, requestId: String?, now: Date) throws(SandboxHTTPError) {
        guard let name = body["clusterName"]?.stringValue else { throw .badRequest("Cluster clusterName is required.") }
        try DataprocClusterRules.checkName(name)
        guard let projectInBody = body["projectId"]?.stringValue else { throw .badRequest("Cluster projectId is required.") }
        guard projectInBody == projectId else {
            throw .badRequest("Cluster projectId '\(projectInBody)' does not match the project '\(projectId)' in the URL.")
        }
        guard body["virtualClusterConfig"] == nil else {
            throw .badRequest("virtualClusterConfig (Dataproc on GKE) is not served by the sandbox; create a Compute Engine cluster with config.")
        }
        let labels = try DataprocClusterRules.checkLabels(body["labels"])
        try DataprocClusterRules.checkWorkers(body["config"])
        let lifecycle = try ClusterLifecycle(body.value(at: ["config", "lifecycleConfig"]), now: now)
        var sent = body.objectValue ?? [:]
        for field in Self.outputOnlyFields + ["labels"] { sent[field] = nil }
        self.init(
            projectId: projectId, region: region, clusterName: name, clusterUuid: UUID().uuidString.lowercased(), createdAt: now,
            requestId: requestId, labels: labels, deleteRequestedAt: nil, sent: .object(sent), lifecycle: lifecycle, lifecycleChangedAt: now)
    }
}
