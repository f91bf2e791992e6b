import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP

/// Outbox kinds of clusters.
public enum ClusterOutboxKind {
    /// `clusters.create`.
    public static let create = "cluster.create"
    /// `clusters.delete`.
    public static let delete = "cluster.delete"
    /// `clusters.patch` (extend the auto-delete time).
    public static let update = "cluster.update"
    /// Every cluster kind.
    public static let all = [create, delete, update]
}

/// The outbox requests a cluster needs. Each carries a `requestId` derived from the local id, so a
/// resend after a reset connection or a crash returns the first operation instead of a second cluster.
enum ClusterRequests {
    static func create(_ cluster: ClusterRecord) -> OutboxRequest {
        let requestID = RequestID.derive(from: cluster.id)
        return OutboxRequest(
            kind: ClusterOutboxKind.create, recordID: cluster.id, requestID: requestID, method: .POST,
            path: DataprocClient.ClusterPath.create(cluster.location, requestID: requestID), body: cluster.spec)
    }

    /// Whether a create for the cluster was attempted and may yet be retried (its answer may have been lost).
    static func createWasTried(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state = 'pending' AND attempts > 0)",
            arguments: [id, ClusterOutboxKind.create]) ?? false
    }

    /// Queues the cluster's delete unless one is queued, waiting or delivered already.
    static func deleteOnce(_ cluster: ClusterRecord, in db: Database) throws {
        let asked =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state IN ('held','pending','delivered'))",
                arguments: [cluster.id, ClusterOutboxKind.delete]) ?? false
        if !asked { try Outbox.enqueue(delete(cluster), in: db) }
    }

    static func delete(_ cluster: ClusterRecord) -> OutboxRequest {
        let requestID = RequestID.derive(from: cluster.id + "-d")
        return OutboxRequest(
            kind: ClusterOutboxKind.delete, recordID: cluster.id, requestID: requestID, method: .DELETE,
            path: DataprocClient.ClusterPath.delete(cluster.location, requestID: requestID))
    }

    /// The patch that sets `autoDeleteTtl`; `sequence` tells one extension's requestId from the next.
    static func extend(_ cluster: ClusterRecord, autoDeleteSeconds: Int, sequence: Int) -> OutboxRequest {
        let requestID = RequestID.derive(from: cluster.id + "-e\(sequence)")
        return OutboxRequest(
            kind: ClusterOutboxKind.update, recordID: cluster.id, requestID: requestID, method: .PATCH,
            path: DataprocClient.ClusterPath.patch(cluster.location, updateMask: "config.lifecycle_config.auto_delete_ttl", requestID: requestID),
            body: ["config": ["lifecycleConfig": ["autoDeleteTtl": .string(ClusterDuration.google(autoDeleteSeconds))]]])
    }
}

/// What every cluster handler shares: tell the tracker and the watchers after a commit.
struct ClusterHandlerBase: Sendable {
    let tracker: Doorbell
    let events: ClusterEvents
    let clusters: ClusterStore

    func committed(_ entry: OutboxEntry) async {
        tracker.ring()
        if let cluster = try? await clusters.cluster(entry.recordID) { events.publish(cluster) }
    }

    /// Follows an Operation answer, or takes the state of a Cluster answer (an adopted earlier create).
    static func follow(_ entry: OutboxEntry, response: JSONValue, state: String, in db: Database) throws {
        if let name = response["name"]?.stringValue, name.contains("/operations/") {
            try ClusterStore.transition(entry.recordID, to: state, in: db)
            try ClusterStore.follow(entry.recordID, operation: name, clusterUuid: response["metadata"]?["clusterUuid"]?.stringValue, in: db)
        } else {
            let upstream = response["status"]?["state"]?.stringValue ?? state
            try ClusterStore.transition(entry.recordID, to: upstream, detail: response["status"]?["detail"]?.stringValue, in: db)
            try ClusterStore.follow(entry.recordID, operation: nil, clusterUuid: response["clusterUuid"]?.stringValue, in: db)
        }
    }
}

/// `cluster.create`: Dataproc's Operation moves the cluster to CREATING and the tracker follows it.
struct ClusterCreateHandler: OutboxHandler {
    let base: ClusterHandlerBase

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        // Withdrawn locally while this create was in flight: the cluster exists anyway. Follow it, so
        // the record tells the truth, and delete it.
        let withdrawn = try ClusterStore.cluster(entry.recordID, in: db)?.state == ClusterState.cancelled
        try ClusterHandlerBase.follow(entry, response: response, state: ClusterState.creating, in: db)
        if withdrawn, let cluster = try ClusterStore.cluster(entry.recordID, in: db) { try ClusterRequests.deleteOnce(cluster, in: db) }
    }

    func withdrawnAfterAmbiguousAttempt(_ entry: OutboxEntry, in db: Database) throws {
        // Withdrawn while a create went unanswered: it may exist upstream, so ask Dataproc to delete it
        // (one that never arrived answers 404, recorded as nothing to delete).
        guard let cluster = try ClusterStore.cluster(entry.recordID, in: db) else { return }
        try ClusterRequests.deleteOnce(cluster, in: db)
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try ClusterStore.transition(entry.recordID, to: ClusterState.rejected, detail: error.description, in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? {
        // clusters?requestId=… → clusters/{name}: the cluster an earlier attempt created.
        guard let body = entry.body, let name = body["clusterName"]?.stringValue, let range = entry.path.range(of: "/clusters?") else { return nil }
        return entry.path[..<range.lowerBound] + "/clusters/" + name
    }

    func committed(_ entry: OutboxEntry) async { await base.committed(entry) }
}

/// `cluster.delete`: the Operation moves the cluster to DELETING; a 404 means it is already gone.
struct ClusterDeleteHandler: OutboxHandler {
    let base: ClusterHandlerBase

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        try ClusterHandlerBase.follow(entry, response: response, state: ClusterState.deleting, in: db)
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        if case .upstream(404, _, _, _) = error {
            // A create withdrawn after an unanswered attempt stays CANCELLED: nothing had arrived.
            if try ClusterStore.cluster(entry.recordID, in: db)?.state == ClusterState.cancelled {
                try ClusterStore.note(entry.recordID, "the withdrawn create had not reached Dataproc; nothing to delete", in: db)
            } else {
                try ClusterStore.transition(entry.recordID, to: ClusterState.deleted, detail: "already gone when the delete arrived", in: db)
            }
        } else {
            try ClusterStore.note(entry.recordID, "delete refused: \(error.description)", in: db)
            try ClusterStore.follow(entry.recordID, operation: nil, in: db)
        }
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? { nil }

    func committed(_ entry: OutboxEntry) async { await base.committed(entry) }
}

/// `cluster.update`: an extension. Dataproc applies it at once; a refusal is noted on the cluster.
struct ClusterUpdateHandler: OutboxHandler {
    let base: ClusterHandlerBase

    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
        let ttl = entry.body?["config"]?["lifecycleConfig"]?["autoDeleteTtl"]?.stringValue ?? "?"
        try ClusterStore.note(entry.recordID, "auto-delete moved to \(ttl) after creation", in: db)
    }

    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {
        try ClusterStore.note(entry.recordID, "extension refused: \(error.description)", in: db)
    }

    func existingResourcePath(for entry: OutboxEntry) -> String? { nil }

    func committed(_ entry: OutboxEntry) async { await base.committed(entry) }
}
