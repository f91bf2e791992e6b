import Foundation
import GatehouseCore
import GatehouseStore
import Logging

/// Follows clusters: the operation of a create or delete (`operations.get`) until it is done, then
/// the cluster itself (`clusters.get`) at the longest interval, so a cluster its lifecycle config
/// deleted shows as DELETED.
public final class ClusterTracker: Sendable {
    private let store: Store
    private let clusters: ClusterStore
    private let client: DataprocClient
    private let events: ClusterEvents
    /// Rung when a request was delivered, so following starts at once.
    public let doorbell = Doorbell()
    private let settings: JobTracker.Settings
    private let logger: Logger

    /// A tracker of `store`'s clusters, paced like the job tracker.
    public init(store: Store, client: DataprocClient, events: ClusterEvents, settings: JobTracker.Settings = .init(), logger: Logger) {
        self.store = store
        self.clusters = ClusterStore(store: store)
        self.client = client
        self.events = events
        self.settings = settings
        self.logger = logger
    }

    /// Tracks until cancelled.
    public func run() async {
        let clusters = self.clusters
        await PollLoop(
            settings: settings, doorbell: doorbell,
            due: { [settings] now in try await clusters.dueForPoll(now: now, horizon: settings.maxInterval, limit: settings.concurrency * 4) },
            earliest: { try await clusters.earliestPoll() },
            check: { [self] in await self.check($0, interval: $1) }
        ).run()
    }

    /// What one check found.
    struct Observation: Equatable {
        var state: String
        var detail: String?
        /// The operation still to follow (nil once done).
        var operation: String?
        var clusterUuid: String?
    }

    /// One `operations.get` or `clusters.get` and its bookkeeping.
    func check(_ cluster: ClusterRecord, interval: TimeInterval) async {
        do {
            let seen = try await observe(cluster)
            let changed = seen.state != cluster.state || seen.operation != cluster.operation
            let next: TimeInterval =
                seen.operation != nil
                ? settings.nextInterval(after: interval, changed: changed)
                : settings.maxInterval
            try await store.writer.write { db in
                try ClusterStore.transition(cluster.id, to: seen.state, detail: seen.detail, in: db)
                if seen.operation != cluster.operation || seen.clusterUuid != nil {
                    try ClusterStore.follow(cluster.id, operation: seen.operation, clusterUuid: seen.clusterUuid, in: db)
                }
                try ClusterStore.schedulePoll(cluster.id, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
            if changed, let updated = try await clusters.cluster(cluster.id) { events.publish(updated) }
        } catch {
            if Task.isCancelled { return }
            let next = settings.nextInterval(after: interval, changed: false)
            logger.debug("cluster status check failed", metadata: ["cluster": "\(cluster.id)", "error": "\(error)"])
            _ = try? await store.writer.write { db in
                try ClusterStore.schedulePoll(cluster.id, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
        }
    }

    private func observe(_ cluster: ClusterRecord) async throws(DataprocError) -> Observation {
        if let name = cluster.operation {
            let operation = try await client.operation(name)
            guard operation["done"]?.boolValue == true else {
                return Observation(state: cluster.state, operation: name)
            }
            if let failure = operation["error"] {
                let message = failure["message"]?.stringValue ?? "the operation failed"
                let kind = operation["metadata"]?["operationType"]?.stringValue
                // A failed create may leave a cluster in ERROR (it still costs money): look.
                return kind == "DELETE"
                    ? Observation(state: cluster.state, detail: "delete failed: \(message)")
                    : try await current(cluster, detail: message)
            }
            if operation["metadata"]?["operationType"]?.stringValue == "DELETE" {
                return Observation(state: ClusterState.deleted, detail: "deleted")
            }
            let state = operation["response"]?["status"]?["state"]?.stringValue ?? ClusterState.running
            return Observation(state: state, operation: nil, clusterUuid: operation["response"]?["clusterUuid"]?.stringValue)
        }
        return try await current(cluster, detail: nil)
    }

    /// The cluster's state from `clusters.get`; DELETED when Dataproc no longer has it.
    private func current(_ cluster: ClusterRecord, detail: String?) async throws(DataprocError) -> Observation {
        do {
            let resource = try await client.cluster(at: cluster.location)
            let state = resource["status"]?["state"]?.stringValue ?? cluster.state
            return Observation(state: state, detail: detail ?? resource["status"]?["detail"]?.stringValue)
        } catch .upstream(404, _, _, _) {
            return Observation(
                state: ClusterState.deleted, detail: detail ?? "gone upstream (its lifecycle config deleted it, or it was deleted outside Gatehouse)")
        }
    }
}
