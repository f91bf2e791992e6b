import Foundation
import GatehouseCore

/// A long-running operation of a cluster method (`create`, `delete`, `patch`), as
/// `projects.regions.operations` serves it. Like clusters, it is done or not by the sandbox clock.
public struct DataprocOperation: Sendable {
    /// What the operation does (`ClusterOperationMetadata.operationType`).
    public enum Kind: String, Sendable {
        /// `clusters.create`.
        case create = "CREATE"
        /// `clusters.delete`.
        case delete = "DELETE"
        /// `clusters.patch`.
        case update = "UPDATE"
    }

    /// The operation id (last segment of its name).
    public var id: String
    /// Project from the request path.
    public var projectId: String
    /// Region from the request path.
    public var region: String
    /// What it does.
    public var kind: Kind
    /// The cluster it works on.
    public var clusterName: String
    /// That cluster's uuid.
    public var clusterUuid: String
    /// When the request was received (sandbox clock).
    public var startedAt: Date
    /// The request's `requestId`, if any.
    public var requestId: String?

    /// `projects/{projectId}/regions/{region}/operations/{id}`.
    public var name: String { "projects/\(projectId)/regions/\(region)/operations/\(id)" }

    /// A new operation on `cluster`.
    init(_ kind: Kind, on cluster: DataprocCluster, at now: Date, requestId: String?) {
        self.id = UUID().uuidString.lowercased()
        self.projectId = cluster.projectId
        self.region = cluster.region
        self.kind = kind
        self.clusterName = cluster.clusterName
        self.clusterUuid = cluster.clusterUuid
        self.startedAt = now
        self.requestId = requestId
    }

    /// Why an operation failed: a `google.rpc.Code` and a message.
    struct Failure {
        var code: Int64
        var message: String
    }

    /// When it completes, and whether it failed, given the cluster's course.
    func outcome(_ cluster: DataprocCluster, _ snapshot: DataprocCluster.Snapshot) -> (doneAt: Date?, error: Failure?) {
        switch kind {
        case .update:
            return (startedAt, nil)
        case .delete:
            return (snapshot.goneAt, nil)
        case .create:
            if let deletion = snapshot.deletion, deletion.start < snapshot.runningAt {
                return (deletion.start, Failure(code: 9, message: "Cluster \(clusterName) was deleted before it was running."))
            }
            if cluster.failsOnPurpose { return (snapshot.runningAt, Failure(code: 13, message: DataprocCluster.failureDetail)) }
            return (snapshot.runningAt, nil)
        }
    }

    /// The Operation resource at `now`; `clusterAtDone` gives the cluster's resource at completion.
    func resource(at now: Date, cluster: DataprocCluster, snapshot: DataprocCluster.Snapshot, clusterAtDone: (Date) -> JSONValue) -> JSONValue {
        let (doneAt, error) = outcome(cluster, snapshot)
        let done = doneAt.map { $0 <= now } ?? false
        var history = [StatusEntry(state: "PENDING", start: startedAt)]
        var current = StatusEntry(state: "RUNNING", start: startedAt)
        if done, let doneAt {
            history.append(current)
            current = StatusEntry(state: "DONE", start: doneAt)
        }
        var status = current.json
        status["innerState"] = .string(done ? (error == nil ? "DONE" : "FAILED") : current.state)
        if let error, done { status["details"] = .string(error.message) }
        let metadata: [String: JSONValue] = [
            "@type": "type.googleapis.com/google.cloud.dataproc.v1.ClusterOperationMetadata",
            "clusterName": .string(clusterName), "clusterUuid": .string(clusterUuid),
            "operationType": .string(kind.rawValue), "description": .string(description),
            "labels": cluster.resource(snapshot)["labels"] ?? .object([:]),
            "status": .object(status), "statusHistory": .array(history.map { .object($0.json) }), "warnings": [],
        ]
        var operation: [String: JSONValue] = ["name": .string(name), "metadata": .object(metadata), "done": .bool(done)]
        if done {
            if let error {
                operation["error"] = ["code": .int(error.code), "message": .string(error.message)]
            } else if kind == .delete {
                operation["response"] = ["@type": "type.googleapis.com/google.protobuf.Empty"]
            } else {
                var response = clusterAtDone(doneAt ?? now).objectValue ?? [:]
                response["@type"] = "type.googleapis.com/google.cloud.dataproc.v1.Cluster"
                operation["response"] = .object(response)
            }
        }
        return .object(operation)
    }

    private var description: String {
        switch kind {
        case .create: "Create cluster"
        case .delete: "Delete cluster"
        case .update: "Update cluster"
        }
    }
}
