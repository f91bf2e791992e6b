import Foundation
import GatehouseAudit
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseOversight
import GatehouseRPC
import Logging

/// Dataproc clusters in the daemon: `cluster.*` methods over the shared outbox, the sender of the
/// cluster kinds and the operation tracker, and teardown on logout, at end of day and when
/// ownership moves.
public final class ClusterComponent: BrokerComponent {
    /// The cluster service (outbox kinds, sender, tracker).
    public let service: ClusterService
    let catalog: CatalogReader
    let policy: PolicyGate
    let approvals: any ApprovalGate
    let settings: ClusterSettings
    let teardown: ClusterTeardown
    private let logger: Logger

    /// Builds the component from the `clusters.*` keys. Its requests go into the jobs' outbox and
    /// `sender`; its tracker asks `client`. Throws when a `clusters.*` value cannot be used.
    public init(
        context: BrokerContext, catalog: CatalogReader, policy: PolicyGate, approvals: any ApprovalGate, client: DataprocClient, sender: OutboxSender,
        principal: @escaping @Sendable () async -> Principal? = { nil }
    ) throws {
        let config = context.config
        // Its message names the key and what it takes; `gatehouse serve` prints it and exits.
        settings = try ClusterSettings(config)
        service = ClusterService(
            store: context.store, client: client, sender: sender,
            tracker: JobComponent.statusPolling(config),
            logger: context.logger)
        self.catalog = catalog
        self.policy = policy
        self.approvals = approvals
        logger = context.logger
        teardown = ClusterTeardown(service: service, mode: settings.teardown, audit: context.audit, logger: context.logger)
        let service = service
        let logger = context.logger
        context.events.subscribe { [weak self] event in
            switch event {
            case .approvalResolved(let resolution, let action) where [ClusterMethods.createAction, ClusterMethods.deleteAction].contains(action):
                do {
                    try await service.resolveApproval(resolution.approvalID, JobService.ApprovalOutcome(resolution))
                } catch {
                    logger.error(
                        "could not apply an approval outcome to its clusters",
                        metadata: ["approval": "\(resolution.approvalID)", "error": "\(error)"])
                }
            case .signingOut(let principal, let keepClusters):
                if !keepClusters { await self?.beforeLogout(principal) }
            case .catalogSynced:
                // In the background: a sync's caller does not wait for teardowns.
                guard let self else { return }
                Task { await self.catalogSynced(principal: await principal()) }
            default:
                return
            }
        }
    }

    public var methods: [RPCMethod] { ClusterMethods(component: self).all }

    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.service.run() }
            if let endOfDay = settings.endOfDay {
                group.addTask { await self.endOfDayLoop(endOfDay) }
            }
        }
    }

    public var statusKey: String { "clusters" }

    public func status() async -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let counts = try? await service.clusters.counts() { result["states"] = .object(counts.mapValues { .int(Int64($0)) }) }
        return result
    }

    // MARK: teardown triggers

    /// Before the tokens are forgotten at logout: tear down the principal's clusters and wait
    /// (bounded) until the deletes reached Dataproc, since without a token they could not be sent.
    public func beforeLogout(_ principal: Principal) async {
        let report = await teardown.run(principal: principal.displayName, trigger: "logout")
        if !(await service.waitForDeletesSent(report.queued, timeout: settings.teardownWait)) {
            logger.warning(
                "some cluster deletes were not sent before logout; they are sent after the next sign-in", metadata: ["clusters": "\(report.queued)"])
        }
    }

    /// After a catalog sync: tear down the signed-in person's clusters of entities they owned at
    /// creation and no longer own (clusters made through a grant other than ownership stay).
    public func catalogSynced(principal: Principal?) async {
        guard let principal else { return }
        let live = (try? await service.clusters.list(ClusterStore.Filter(principal: principal.displayName, liveOnly: true, limit: 10_000))) ?? []
        var lost: Set<String> = []
        for entity in Set(live.filter(\.createdAsOwner).map(\.entity)) where !(await owns(principal, entity)) {
            lost.insert(entity)
        }
        guard !lost.isEmpty else { return }
        _ = await teardown.run(principal: principal.displayName, trigger: "ownership-changed", entities: lost)
    }

    /// Whether `principal` still owns `entity` in the current snapshot (an entity gone from the catalog is not owned).
    func owns(_ principal: Principal, _ entity: String) async -> Bool {
        guard let ref = try? EntityRef(parsing: entity), let facts = try? await catalog.accessFacts(principal: principal, entity: ref) else {
            return false
        }
        return facts.ownedThrough != nil
    }

    private func endOfDayLoop(_ endOfDay: ClusterEndOfDay) async {
        // Short pauses, each judged by the wall clock: one long sleep would miss a jump of the clock.
        var schedule = ClusterEndOfDaySchedule(endOfDay, now: Date())
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(schedule.pause(now: Date())))
            if Task.isCancelled { return }
            guard schedule.fire(now: Date()), let principal = await policy.principal() else { continue }
            _ = await teardown.run(principal: principal.displayName, trigger: "end-of-day")
        }
    }
}
