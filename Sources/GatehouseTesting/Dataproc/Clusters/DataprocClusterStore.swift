import Foundation
import GatehouseCore
import Hummingbird
import Synchronization

/// Every Dataproc cluster the sandbox created (deleted ones too) and their operations, with the
/// `requestId` index that makes create, delete and patch idempotent.
public final class DataprocClusterStore: Sendable {
    private struct State {
        var clusters: [DataprocCluster] = []
        var operations: [DataprocOperation] = []
        var operationByRequest: [String: String] = [:]
    }

    private let state = Mutex(State())
    private let stepSeconds: TimeInterval
    /// When jobs ran on a cluster: the idle-deletion clock needs them.
    private let activity: @Sendable (DataprocCluster) -> [ClosedRange<Date>]

    /// A store whose clusters spend `stepSeconds` in CREATING and in DELETING, and count as busy
    /// during the intervals `activity` reports.
    init(stepSeconds: TimeInterval, activity: @escaping @Sendable (DataprocCluster) -> [ClosedRange<Date>]) {
        self.stepSeconds = stepSeconds
        self.activity = activity
    }

    /// A cluster with its state at one instant.
    struct Observed {
        var cluster: DataprocCluster
        var snapshot: DataprocCluster.Snapshot
    }

    func observe(_ cluster: DataprocCluster, at now: Date) -> Observed {
        Observed(cluster: cluster, snapshot: cluster.snapshot(at: now, activity: activity(cluster), stepSeconds: stepSeconds))
    }

    private static func requestKey(_ kind: DataprocOperation.Kind, _ projectId: String, _ region: String, _ requestId: String) -> String {
        "\(kind.rawValue)/\(projectId)/\(region)/\(requestId)"
    }

    /// The operation an earlier request with this `requestId` started, if any.
    private func replayed(
        _ state: State, _ kind: DataprocOperation.Kind, _ projectId: String, _ region: String, _ requestId: String?
    ) -> DataprocOperation? {
        guard let requestId, let id = state.operationByRequest[Self.requestKey(kind, projectId, region, requestId)] else { return nil }
        return state.operations.first { $0.id == id }
    }

    private func record(_ operation: DataprocOperation, in state: inout State) {
        state.operations.append(operation)
        if let requestId = operation.requestId {
            state.operationByRequest[Self.requestKey(operation.kind, operation.projectId, operation.region, requestId)] = operation.id
        }
    }

    /// Index of the existing (not yet gone) cluster of that name.
    private func liveIndex(_ state: State, _ projectId: String, _ region: String, _ name: String, at now: Date) -> Int? {
        state.clusters.indices.last { index in
            let cluster = state.clusters[index]
            return cluster.projectId == projectId && cluster.region == region && cluster.clusterName == name
                && !observe(cluster, at: now).snapshot.isGone
        }
    }

    /// Adds `cluster` and its create operation, unless the requestId was seen (the first
    /// operation is returned) or a cluster of that name exists (409).
    func create(_ cluster: DataprocCluster, at now: Date) throws(SandboxHTTPError) -> DataprocOperation {
        try state.withLock { state throws(SandboxHTTPError) in
            if let earlier = replayed(state, .create, cluster.projectId, cluster.region, cluster.requestId) { return earlier }
            if liveIndex(state, cluster.projectId, cluster.region, cluster.clusterName, at: now) != nil {
                throw .conflict("Already exists: Failed to create cluster: Cluster \(cluster.resourceName)")
            }
            let operation = DataprocOperation(.create, on: cluster, at: now, requestId: cluster.requestId)
            state.clusters.append(cluster)
            record(operation, in: &state)
            return operation
        }
    }

    /// The existing cluster of that name with its state at `now`, if there is one.
    func live(projectId: String, region: String, name: String, at now: Date) -> Observed? {
        state.withLock { state in
            liveIndex(state, projectId, region, name, at: now).map { observe(state.clusters[$0], at: now) }
        }
    }

    /// True when a cluster of that name was ever created (it may be gone now).
    func wasCreated(projectId: String, region: String, name: String) -> Bool {
        state.withLock { $0.clusters.contains { $0.projectId == projectId && $0.region == region && $0.clusterName == name } }
    }

    /// Starts deleting the named cluster (404 if none, 400 `FAILED_PRECONDITION` if already
    /// deleting or the uuid does not match); a repeated requestId returns the first operation.
    func delete(
        projectId: String, region: String, name: String, clusterUuid: String?, requestId: String?, at now: Date
    ) throws(SandboxHTTPError) -> DataprocOperation {
        try change(.delete, projectId: projectId, region: region, name: name, requestId: requestId, at: now) {
            cluster, snapshot throws(SandboxHTTPError) in
            if let clusterUuid, clusterUuid != cluster.clusterUuid {
                throw SandboxHTTPError(
                    .badRequest, "Cluster \(cluster.resourceName) has uuid \(cluster.clusterUuid), not \(clusterUuid).", code: "FAILED_PRECONDITION")
            }
            guard snapshot.state != "DELETING" else {
                throw SandboxHTTPError(.badRequest, "Cluster \(cluster.resourceName) is already being deleted.", code: "FAILED_PRECONDITION")
            }
            cluster.deleteRequestedAt = now
        }
    }

    /// Applies a patch to a RUNNING cluster; a repeated requestId returns the first operation.
    func patch(
        projectId: String, region: String, name: String, requestId: String?, at now: Date, _ patch: ClusterPatch
    ) throws(SandboxHTTPError) -> DataprocOperation {
        try change(.update, projectId: projectId, region: region, name: name, requestId: requestId, at: now) {
            cluster, snapshot throws(SandboxHTTPError) in
            guard snapshot.state == "RUNNING" else {
                throw SandboxHTTPError(
                    .badRequest, "Cluster \(cluster.resourceName) is \(snapshot.state ?? "gone"); only a RUNNING cluster can be updated.",
                    code: "FAILED_PRECONDITION")
            }
            try patch.apply(to: &cluster, now: now)
        }
    }

    private func change(
        _ kind: DataprocOperation.Kind, projectId: String, region: String, name: String, requestId: String?, at now: Date,
        _ body: (inout DataprocCluster, DataprocCluster.Snapshot) throws(SandboxHTTPError) -> Void
    ) throws(SandboxHTTPError) -> DataprocOperation {
        try state.withLock { state throws(SandboxHTTPError) in
            if let earlier = replayed(state, kind, projectId, region, requestId) { return earlier }
            guard let index = liveIndex(state, projectId, region, name, at: now) else {
                throw .notFound("Not found: Cluster projects/\(projectId)/regions/\(region)/clusters/\(name)")
            }
            var cluster = state.clusters[index]
            try body(&cluster, observe(cluster, at: now).snapshot)
            state.clusters[index] = cluster
            let operation = DataprocOperation(kind, on: cluster, at: now, requestId: requestId)
            record(operation, in: &state)
            return operation
        }
    }

    /// The operation with this id in the project and region.
    func operation(projectId: String, region: String, id: String) -> DataprocOperation? {
        state.withLock { $0.operations.first { $0.id == id && $0.projectId == projectId && $0.region == region } }
    }

    /// The Operation resource at `now`.
    func resource(of operation: DataprocOperation, at now: Date) -> JSONValue {
        let cluster = state.withLock { $0.clusters.first { $0.clusterUuid == operation.clusterUuid } }
        guard let cluster else { return ["name": .string(operation.name), "done": false] }
        let observed = observe(cluster, at: now)
        return operation.resource(at: now, cluster: cluster, snapshot: observed.snapshot) { doneAt in
            cluster.resource(observe(cluster, at: doneAt).snapshot)
        }
    }

    /// Every cluster ever created, oldest first.
    public var all: [DataprocCluster] { state.withLock { $0.clusters } }

    /// Every operation, oldest first.
    public var operations: [DataprocOperation] { state.withLock { $0.operations } }

    /// Forgets every cluster, operation and requestId.
    public func reset() { state.withLock { $0 = State() } }
}
