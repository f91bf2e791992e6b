import Foundation
import GRDB
import GatehouseCore
import GatehouseStore
import Logging

/// Clusters end to end: queues creates, deletes and extensions as writes the caller commits (with
/// its audit record) into the shared Dataproc outbox, sends the cluster kinds, follows operations,
/// and answers approval outcomes.
public final class ClusterService: Sendable {
    /// Cluster records and their transitions.
    public let clusters: ClusterStore
    /// Cluster changes for watchers.
    public let events: ClusterEvents
    /// The outbox sender shared with jobs; the cluster kinds' handlers are registered on it.
    public let sender: OutboxSender
    /// Follows operations and clusters.
    public let tracker: ClusterTracker
    /// The Dataproc client (teardown lists clusters through it).
    public let client: DataprocClient
    private let store: Store
    /// Reads for the teardown extension.
    var storeReader: DatabasePool { store.pool }

    /// A service over `store` whose requests go through `sender` (the jobs' sender: one outbox, one
    /// pause while Dataproc is down) and whose tracker asks `client`.
    public init(store: Store, client: DataprocClient, sender: OutboxSender, tracker trackerSettings: JobTracker.Settings = .init(), logger: Logger) {
        self.store = store
        self.client = client
        self.sender = sender
        let clusters = ClusterStore(store: store)
        let events = ClusterEvents()
        let tracker = ClusterTracker(store: store, client: client, events: events, settings: trackerSettings, logger: logger)
        self.clusters = clusters
        self.events = events
        self.tracker = tracker
        let base = ClusterHandlerBase(tracker: tracker.doorbell, events: events, clusters: clusters)
        sender.register(ClusterCreateHandler(base: base), for: ClusterOutboxKind.create)
        sender.register(ClusterDeleteHandler(base: base), for: ClusterOutboxKind.delete)
        sender.register(ClusterUpdateHandler(base: base), for: ClusterOutboxKind.update)
    }

    /// Tracks until cancelled (the shared sender runs with the jobs).
    public func run() async {
        await tracker.run()
    }

    /// A new local cluster id (time-ordered, valid as a `requestId` with room for a suffix).
    public static func newID() -> String { JobRecord.newID() }

    // MARK: create

    /// A new cluster and the write that queues its create: run the write in the transaction of the
    /// call's audit record. With `approvalID` it waits, unsent.
    public func prepareCreate(
        id: String, spec: ClusterSpec, owner: ClusterSpec.Owner, region: String, template: String, approvalID: String? = nil,
        createdAsOwner: Bool = true
    ) -> (ClusterRecord, BatchWriter.Work) {
        let cluster = ClusterRecord(
            id: id, spec: spec, owner: owner, region: region, template: template,
            state: approvalID == nil ? ClusterState.queued : ClusterState.pendingApproval, approvalId: approvalID,
            createdAsOwner: createdAsOwner)
        let doorbell = sender.doorbell
        let work: BatchWriter.Work = { db in
            try ClusterStore.insert(cluster, in: db)
            try Outbox.enqueue(ClusterRequests.create(cluster), held: approvalID != nil, in: db)
            if approvalID == nil { db.afterNextTransaction(onCommit: { _ in doorbell.ring() }) }
        }
        return (cluster, work)
    }

    // MARK: delete

    /// The write that deletes `cluster`: withdrawn when its create was not sent yet, else a
    /// `clusters.delete` is queued (held while `approvalID` waits). Decided inside the transaction.
    public func prepareDelete(_ cluster: ClusterRecord, reason: String, approvalID: String? = nil) throws(ClusterError) -> BatchWriter.Work {
        guard !cluster.isTerminal else { throw .conflict("cluster \(cluster.id) is already \(cluster.state); nothing to delete") }
        let doorbell = sender.doorbell
        let events = events
        let clusters = clusters
        return { db in
            guard let current = try ClusterStore.cluster(cluster.id, in: db), !current.isTerminal else { return }
            // A create already tried once may have reached Dataproc with its answer lost: withdraw the
            // retry, and ask Dataproc to delete whatever arrived (a cluster that never did answers 404).
            let tried = try ClusterRequests.createWasTried(cluster.id, in: db)
            let unsent = try Outbox.move(recordID: cluster.id, kind: ClusterOutboxKind.create, from: [.held, .pending], to: .cancelled, in: db) > 0
            if unsent && !tried {
                try ClusterStore.transition(cluster.id, to: ClusterState.cancelled, detail: "withdrawn before it was sent (\(reason))", in: db)
            } else if unsent {
                try ClusterStore.transition(
                    cluster.id, to: ClusterState.cancelled,
                    detail: "withdrawn (\(reason)); an earlier attempt may have reached Dataproc, which is asked to delete it", in: db)
                try ClusterRequests.deleteOnce(current, in: db)
            } else {
                let alreadyAsked =
                    try Bool.fetchOne(
                        db,
                        sql:
                            "SELECT EXISTS (SELECT 1 FROM dataproc_outbox WHERE record_id = ? AND kind = ? AND state IN ('held','pending','delivered'))",
                        arguments: [cluster.id, ClusterOutboxKind.delete]) ?? false
                if !alreadyAsked {
                    try Outbox.enqueue(ClusterRequests.delete(current), held: approvalID != nil, in: db)
                    try ClusterStore.setDeleteApproval(cluster.id, approvalID, in: db)
                    try ClusterStore.note(
                        cluster.id, approvalID == nil ? "delete queued: \(reason)" : "delete waits for approval \(approvalID!)", in: db)
                }
            }
            db.afterNextTransaction(onCommit: { _ in
                doorbell.ring()
                Task { if let updated = try? await clusters.cluster(cluster.id) { events.publish(updated) } }
            })
        }
    }

    // MARK: extend

    /// The write that moves the cluster's auto-delete to `autoDeleteSeconds` after creation.
    public func prepareExtend(_ cluster: ClusterRecord, to autoDeleteSeconds: Int) throws(ClusterError) -> BatchWriter.Work {
        guard cluster.state == ClusterState.running else {
            throw .conflict("cluster \(cluster.id) is \(cluster.state); only a RUNNING cluster can be extended")
        }
        let request = ClusterRequests.extend(cluster, autoDeleteSeconds: autoDeleteSeconds, sequence: cluster.extensions + 1)
        let doorbell = sender.doorbell
        return { db in
            try Outbox.enqueue(request, in: db)
            try ClusterStore.extend(cluster.id, autoDeleteSeconds: autoDeleteSeconds, in: db)
            db.afterNextTransaction(onCommit: { _ in doorbell.ring() })
        }
    }

    // MARK: approvals

    /// Releases or ends the creates and deletes waiting for `approvalID`; returns the cluster ids.
    @discardableResult
    public func resolveApproval(_ approvalID: String, _ outcome: JobService.ApprovalOutcome) async throws -> [String] {
        let waiting = try await clusters.clusters(awaiting: approvalID)
        guard !waiting.isEmpty else { return [] }
        try await store.writer.write { db in
            for cluster in waiting {
                let isCreate = cluster.approvalId == approvalID
                let kind = isCreate ? ClusterOutboxKind.create : ClusterOutboxKind.delete
                switch outcome {
                case .approved:
                    if isCreate {
                        guard
                            try ClusterStore.transition(
                                cluster.id, to: ClusterState.queued, detail: "approved", from: [ClusterState.pendingApproval], in: db)
                        else { continue }
                    } else {
                        try ClusterStore.note(cluster.id, "delete approved", in: db)
                    }
                    try Outbox.move(recordID: cluster.id, kind: kind, from: [.held], to: .pending, in: db)
                case .denied, .expired:
                    try Outbox.move(recordID: cluster.id, kind: kind, from: [.held], to: .cancelled, in: db)
                    let (state, why): (String, String) =
                        switch outcome {
                        case .denied(let reason): (ClusterState.rejected, "approval denied" + (reason.map { ": \($0)" } ?? ""))
                        default: (ClusterState.expired, "the approval expired; nothing was sent")
                        }
                    if isCreate {
                        try ClusterStore.transition(cluster.id, to: state, detail: why, from: [ClusterState.pendingApproval], in: db)
                    } else {
                        try ClusterStore.note(cluster.id, "delete not carried out: \(why)", in: db)
                    }
                }
                if !isCreate { try ClusterStore.setDeleteApproval(cluster.id, nil, in: db) }
            }
        }
        sender.doorbell.ring()
        for cluster in waiting {
            if let updated = try? await clusters.cluster(cluster.id) { events.publish(updated) }
        }
        return waiting.map(\.id)
    }

    // MARK: reads

    /// The cluster, its transitions and its outbox entries.
    public func status(_ idOrName: String) async throws -> (ClusterRecord, [ClusterTransition], [OutboxEntry]) {
        guard let cluster = try await clusters.cluster(idOrName) else { throw ClusterError.unknownCluster(idOrName) }
        return (cluster, try await clusters.transitions(cluster.id), try await Outbox(store: store).entries(for: cluster.id))
    }
}
