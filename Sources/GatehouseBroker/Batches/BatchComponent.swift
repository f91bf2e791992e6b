import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseOversight
import GatehouseRPC
import Logging

/// Dataproc Serverless batches in the daemon: `batch.*` methods over the jobs' outbox and sender,
/// and the batch tracker in the background. Policy and approvals are the jobs': a batch is a job
/// without a cluster, so `job.submit` / `job.cancel` / `job.view` rules (and `job.submit@production`
/// approvals) govern it.
public final class BatchComponent: BrokerComponent {
    /// The batch service (outbox kinds, tracker).
    public let service: BatchService
    let catalog: CatalogReader
    let policy: PolicyGate
    let approvals: any ApprovalGate
    /// Reads driver output from Cloud Storage (the jobs' reader: same token, same circuit breaker).
    let output: DriverOutputReader
    /// Pause between reads while following a running batch's output.
    let logsInterval: Duration

    /// Builds the component over the jobs' client, sender and output reader.
    public init(context: BrokerContext, catalog: CatalogReader, policy: PolicyGate, approvals: any ApprovalGate, jobs: JobComponent) {
        service = BatchService(
            store: context.store, client: jobs.client, sender: jobs.service.sender, tracker: JobComponent.statusPolling(context.config),
            logger: context.logger)
        self.catalog = catalog
        self.policy = policy
        self.approvals = approvals
        output = jobs.output
        logsInterval = jobs.logsInterval
        let service = service
        let logger = context.logger
        context.events.subscribe { event in
            // Jobs and batches share the approval action; each releases only its own records.
            guard case .approvalResolved(let resolution, BatchMethods.submitAction) = event else { return }
            do {
                try await service.resolveApproval(resolution.approvalID, JobService.ApprovalOutcome(resolution))
            } catch {
                logger.error(
                    "could not apply an approval outcome to its batches", metadata: ["approval": "\(resolution.approvalID)", "error": "\(error)"])
            }
        }
    }

    public var methods: [RPCMethod] { BatchMethods(component: self).all }

    public func run() async {
        await service.run()
    }

    public var statusKey: String { "batches" }

    public func status() async -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let counts = try? await service.batches.counts() { result["states"] = .object(counts.mapValues { .int(Int64($0)) }) }
        result["watchers"] = .int(Int64(service.events.watcherCount))
        return result
    }
}
