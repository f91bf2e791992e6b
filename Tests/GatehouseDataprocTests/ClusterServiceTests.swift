import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseHTTP
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Logging
import Testing

/// The cluster service against the in-process sandbox (manual clock): operations followed to the
/// end, requestId idempotency through connection resets, and teardown's view of a principal's clusters.
@Suite("Cluster service against the sandbox", .serialized)
struct ClusterServiceTests {
    static let owner = ClusterSpecTests.owner
    static let region = "europe-west1"

    /// The harness with a cluster service beside its job service.
    static func withService(
        sender: OutboxSender.Settings = .init(backoff: Backoff(base: 0.05, cap: 0.5)), _ body: (DataprocHarness, ClusterService) async throws -> Void
    ) async throws {
        let harness = try await DataprocHarness.start(sender: sender)
        var logger = Logger(label: "test.clusters")
        logger.logLevel = .critical
        let service = ClusterService(
            store: harness.store, client: harness.client, sender: harness.service.sender, tracker: .init(minInterval: 0.1, maxInterval: 0.5),
            logger: logger)
        let background = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await harness.service.run() }
                group.addTask { await service.run() }
            }
        }
        do {
            try await body(harness, service)
        } catch {
            background.cancel()
            await background.value
            await harness.stop()
            throw error
        }
        background.cancel()
        await background.value
        await harness.stop()
    }

    static func create(_ service: ClusterService, store: Store, principal: String? = nil) async throws -> ClusterRecord {
        var owner = Self.owner
        if let principal { owner.principal = principal }
        let id = ClusterService.newID()
        let spec = try ClusterSpec(
            template: ClusterTemplate(name: "default"), overrides: nil, owner: owner, localID: id, lifetime: ClusterSpecTests.lifetime)
        let (cluster, work) = service.prepareCreate(id: id, spec: spec, owner: owner, region: region, template: "default")
        try await store.writer.write(work)
        return cluster
    }

    static func state(_ service: ClusterService, _ id: String) async throws -> String? {
        try await service.clusters.cluster(id)?.state
    }

    @Test func createIsFollowedToRunningAndDeleteToDeleted() async throws {
        try await Self.withService { harness, service in
            let cluster = try await Self.create(service, store: harness.store)
            #expect(try await eventually { try await Self.state(service, cluster.id) == ClusterState.creating })
            let upstream = try #require(harness.sandbox.dataproc.clusters.all.first)
            #expect(upstream.clusterName == cluster.name)
            #expect(upstream.requestId == cluster.id)
            #expect(upstream.labels["gatehouse-principal"] == "alice-smith-example-com")
            harness.sandbox.clock.advance(by: 120)
            #expect(try await eventually { try await Self.state(service, cluster.id) == ClusterState.running })
            let running = try #require(try await service.clusters.cluster(cluster.id))
            #expect(running.operation == nil)
            #expect(running.clusterUuid == upstream.clusterUuid)

            try await harness.store.writer.write(try service.prepareDelete(running, reason: "test"))
            #expect(try await eventually { try await Self.state(service, cluster.id) == ClusterState.deleting })
            harness.sandbox.clock.advance(by: 120)
            #expect(try await eventually { try await Self.state(service, cluster.id) == ClusterState.deleted })
            let gone = try #require(harness.sandbox.dataproc.clusters.all.first { $0.clusterUuid == upstream.clusterUuid })
            #expect(harness.sandbox.dataproc.state(of: gone) == "DELETED")
            let states = try await service.clusters.transitions(cluster.id).map(\.state)
            #expect(states == ["QUEUED", "CREATING", "RUNNING", "DELETING", "DELETED"])
        }
    }

    @Test func aFailedCreateEndsInErrorWithDataprocsMessage() async throws {
        try await Self.withService { harness, service in
            let id = ClusterService.newID()
            let overrides: JSONValue = ["config": ["softwareConfig": ["properties": ["sandbox:fail": "true"]]]]
            let spec = try ClusterSpec(
                template: ClusterTemplate(name: "default"), overrides: overrides, owner: Self.owner, localID: id, lifetime: ClusterSpecTests.lifetime)
            let (_, work) = service.prepareCreate(id: id, spec: spec, owner: Self.owner, region: Self.region, template: "default")
            try await harness.store.writer.write(work)
            #expect(try await eventually { try await Self.state(service, id) == ClusterState.creating })
            harness.sandbox.clock.advance(by: 120)
            #expect(try await eventually { try await Self.state(service, id) == ClusterState.error })
            let cluster = try #require(try await service.clusters.cluster(id))
            #expect(cluster.detail?.contains("sandbox:fail=true") == true, "\(String(describing: cluster.detail))")
            #expect(cluster.operation == nil)
            let (targets, _) = await service.teardownTargets(principal: Self.owner.principal)
            #expect(targets.map(\.localId) == [id], "a cluster in ERROR still costs money: teardown removes it")
        }
    }

    @Test func aCreateRetriedThroughConnectionResetsMakesOneCluster() async throws {
        try await Self.withService { harness, service in
            try await harness.sandbox.setFault(SandboxFault(kind: .resetAfterBody, count: 3), on: .dataproc)
            let cluster = try await Self.create(service, store: harness.store)
            #expect(try await eventually { try await Self.state(service, cluster.id) == ClusterState.creating })
            let (_, _, entries) = try await service.status(cluster.id)
            #expect(entries.first?.attempts ?? 0 >= 1)
            let faults = harness.sandbox.requestLog.recent(upstream: .dataproc).compactMap(\.fault)
            #expect(faults.contains("reset-after-body"), "the fault was met: \(faults)")
            #expect(harness.sandbox.dataproc.clusters.all.filter { $0.clusterName == cluster.name }.count == 1)
            #expect(harness.sandbox.dataproc.clusters.operations.filter { $0.kind == .create }.count == 1)
        }
    }

    @Test func aWithdrawnCreateIsNeverSent() async throws {
        try await Self.withService { harness, service in
            let id = ClusterService.newID()
            let spec = try ClusterSpec(
                template: ClusterTemplate(name: "default"), overrides: nil, owner: Self.owner, localID: id, lifetime: ClusterSpecTests.lifetime)
            let (cluster, work) = service.prepareCreate(
                id: id, spec: spec, owner: Self.owner, region: Self.region, template: "default", approvalID: "ap-1")
            try await harness.store.writer.write(work)
            #expect(try await Self.state(service, id) == ClusterState.pendingApproval)
            try await harness.store.writer.write(try service.prepareDelete(cluster, reason: "changed my mind"))
            #expect(try await Self.state(service, id) == ClusterState.cancelled)
            try await service.resolveApproval("ap-1", .approved)
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.sandbox.dataproc.clusters.all.isEmpty)
        }
    }

    @Test func aCreateWithdrawnAfterALostAnswerDeletesWhatMayHaveArrived() async throws {
        // Dataproc makes the cluster but both answers are lost, and the retry waits 20 s: the create is
        // still pending locally when the person withdraws it, yet the cluster exists upstream.
        try await Self.withService(sender: .init(backoff: Backoff(base: 20, cap: 20))) { harness, service in
            try await harness.sandbox.setFault(SandboxFault(kind: .resetAfterBody, count: 2), on: .dataproc)
            let cluster = try await Self.create(service, store: harness.store)
            let arrived = try await eventually(timeout: .seconds(10)) {
                harness.sandbox.dataproc.clusters.all.contains { $0.clusterName == cluster.name }
            }
            #expect(arrived)
            let tried = try await eventually(timeout: .seconds(10)) {
                try await service.status(cluster.id).2.contains { $0.kind == ClusterOutboxKind.create && $0.attempts >= 1 && $0.state == .pending }
            }
            #expect(tried)
            try await harness.store.writer.write(try service.prepareDelete(cluster, reason: "changed my mind"))
            #expect(try await Self.state(service, cluster.id) == ClusterState.cancelled)
            let deleted = try await eventually(timeout: .seconds(60)) {
                harness.sandbox.dataproc.clusters.operations.contains { $0.kind == .delete }
            }
            #expect(deleted, "the cluster that reached Dataproc would run on although its create was withdrawn")
            #expect(harness.sandbox.dataproc.clusters.operations.filter { $0.kind == .create }.count == 1)
        }
    }

    @Test func teardownFindsThePrincipalsClustersLocallyAndByLabel() async throws {
        try await Self.withService { harness, service in
            let mine = try await Self.create(service, store: harness.store)
            let theirs = try await Self.create(service, store: harness.store, principal: "bob@example.com")
            for id in [mine.id, theirs.id] {
                #expect(try await eventually { try await Self.state(service, id) == ClusterState.creating })
            }
            // A cluster labelled for the same principal that this Gatehouse has no record of (another machine, a lost database).
            let path = "v1/projects/demo-project/regions/\(Self.region)/clusters?requestId=elsewhere-1"
            _ = try await harness.client.perform(
                .POST, path,
                body: [
                    "clusterName": "gh-elsewhere-1", "projectId": "demo-project", "labels": ["gatehouse-principal": "alice-smith-example-com"],
                ])
            harness.sandbox.clock.advance(by: 120)
            let (targets, problems) = await service.teardownTargets(principal: Self.owner.principal)
            #expect(problems.isEmpty)
            #expect(Set(targets.map(\.clusterName)) == [mine.name, "gh-elsewhere-1"])
            #expect(targets.first { $0.clusterName == mine.name }?.localId == mine.id)
            #expect(targets.first { $0.clusterName == "gh-elsewhere-1" }?.localId == nil)
            let unrecorded = try #require(targets.first { $0.localId == nil })
            _ = try await service.deleteUnrecorded(unrecorded)
            harness.sandbox.clock.advance(by: 120)
            let upstream = try #require(harness.sandbox.dataproc.clusters.all.first { $0.clusterName == "gh-elsewhere-1" })
            let gone = try #require(harness.sandbox.dataproc.clusters.all.first { $0.clusterUuid == upstream.clusterUuid })
            #expect(harness.sandbox.dataproc.state(of: gone) == "DELETED")
            let narrowed = await service.teardownTargets(principal: Self.owner.principal, entities: ["component:default/other"])
            #expect(narrowed.targets.isEmpty)
        }
    }
}
