import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseHTTP
import GatehouseRPC
import Logging
import GatehouseOversight

/// Dataproc jobs in the daemon: `job.*` methods over the durable outbox, and the sender and status
/// tracker running in the background.
public final class JobComponent: BrokerComponent {
    /// The job service (outbox, sender, tracker).
    public let service: JobService
    let locations: DataprocLocations
    let policy: PolicyGate
    let approvals: any ApprovalGate
    private let http: HTTPClient
    /// The Dataproc client; clusters send and track through it too (one circuit breaker for Dataproc).
    public let client: DataprocClient
    /// Reads jobs' driver output from Cloud Storage with the same person's token.
    let output: DriverOutputReader
    /// Pause between reads while following a running job's output.
    let logsInterval: Duration

    /// Builds the component from the `dataproc.*` keys. `token` returns a Google access token
    /// (cloud-platform scope) for the signed-in person; `approvals` decides whether a job must wait for a person.
    public init(
        context: BrokerContext, catalog: CatalogReader, policy: PolicyGate, approvals: any ApprovalGate,
        token: @escaping DataprocClient.TokenProvider
    ) {
        let config = context.config
        // Its own HTTP client, for its own circuit breaker: the outbox must probe Dataproc again
        // within seconds of an outage, where the shared client waits 10 s with the circuit open.
        http = HTTPClient(
            configuration: context.upstreamHTTP.applied(to: HTTPClientConfiguration(
                defaultTimeout: .seconds(config.int("dataproc.request_timeout_seconds") ?? 15),
                breaker: CircuitBreakerConfiguration(failureThreshold: 5, openDuration: .seconds(config.int("dataproc.offline_probe_seconds") ?? 2)))),
            logger: context.logger)
        let client = DataprocClient(
            http: http, baseURL: config.string("dataproc.base_url") ?? "https://dataproc.googleapis.com/",
            timeout: .seconds(config.int("dataproc.request_timeout_seconds") ?? 15), token: token)
        self.client = client
        output = DriverOutputReader(
            http: http, baseURL: config.string("dataproc.storage_base_url") ?? "https://storage.googleapis.com/",
            timeout: .seconds(config.int("dataproc.request_timeout_seconds") ?? 15), token: token)
        logsInterval = .milliseconds(config.int("dataproc.logs_poll_ms") ?? 500)
        let pollMin = TimeInterval(config.int("dataproc.poll_min_seconds") ?? 1)
        service = JobService(
            store: context.store, client: client,
            sender: OutboxSender.Settings(
                concurrency: config.int("dataproc.sender_concurrency") ?? 8,
                backoff: Backoff(base: 0.25, cap: TimeInterval(config.int("dataproc.retry_max_seconds") ?? 5))),
            tracker: JobTracker.Settings(minInterval: pollMin, maxInterval: TimeInterval(config.int("dataproc.poll_max_seconds") ?? 30)),
            logger: context.logger)
        locations = DataprocLocations(catalog: catalog)
        self.policy = policy
        self.approvals = approvals
        let service = service
        let logger = context.logger
        context.events.subscribe { event in
            guard case .approvalResolved(let resolution, JobMethods.submitAction) = event else { return }
            do {
                try await service.resolveApproval(resolution.approvalID, JobService.ApprovalOutcome(resolution))
            } catch {
                logger.error("could not apply an approval outcome to its jobs", metadata: ["approval": "\(resolution.approvalID)", "error": "\(error)"])
            }
        }
    }

    public var methods: [RPCMethod] { JobMethods(component: self).all }

    public func run() async {
        await service.run()
        http.shutdown()
    }

    public var statusKey: String { "jobs" }

    public func status() async -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let jobs = try? await service.jobs.counts() { result["states"] = .object(jobs.mapValues { .int(Int64($0)) }) }
        if let outbox = try? await service.outbox.counts() { result["outbox"] = .object(outbox.mapValues { .int(Int64($0)) }) }
        result["sender"] = try? JSONValue(encoding: service.sender.stats)
        result["watchers"] = .int(Int64(service.events.watcherCount))
        return result
    }
}
