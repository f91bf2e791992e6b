import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseHTTP
import GatehouseIdentity
import GatehouseOversight
import GatehouseRPC
import Logging

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
    /// Output already read, sealed, for offline reads.
    let outputCache: DriverOutputCache
    /// Pause between reads while following a running job's output.
    let logsInterval: Duration

    /// Builds the component from the `dataproc.*` keys. `token` returns a Google access token
    /// (cloud-platform scope) for the signed-in person; `approvals` decides whether a job must wait for a person.
    public init(
        context: BrokerContext, catalog: CatalogReader, policy: PolicyGate, approvals: any ApprovalGate,
        token: @escaping DataprocClient.TokenProvider
    ) throws {
        let config = context.config
        typealias Keys = ConfigKeys.Dataproc
        // Its own HTTP client, for its own circuit breaker: the outbox must probe Dataproc again
        // within seconds of an outage, where the shared client waits 10 s with the circuit open.
        http = HTTPClient(
            configuration: context.upstreamHTTP.applied(
                to: HTTPClientConfiguration(
                    defaultTimeout: config[Keys.requestTimeout],
                    breaker: CircuitBreakerConfiguration(failureThreshold: 5, openDuration: config[Keys.offlineProbe]))),
            logger: context.logger)
        let client = DataprocClient(
            http: http, baseURL: config[Keys.baseURL], timeout: config[Keys.requestTimeout], token: token)
        self.client = client
        output = DriverOutputReader(
            http: http, baseURL: config[Keys.storageBaseURL], timeout: config[Keys.requestTimeout], token: token)
        logsInterval = config[Keys.logsPoll]
        // Driver output is business data: sealed with the same key as tokens.
        let sealer = Sealer(key: try context.sealingKey.load())
        outputCache = DriverOutputCache(
            store: context.store, sealing: .init(seal: sealer.seal, open: sealer.open), maxBytes: config[Keys.outputCacheMaxBytes])
        service = JobService(
            store: context.store, client: client,
            sender: OutboxSender.Settings(
                concurrency: config[Keys.senderConcurrency],
                backoff: Backoff(base: 0.25, cap: TimeInterval(config[Keys.retryMaxSeconds]))),
            tracker: Self.statusPolling(config),
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
                logger.error(
                    "could not apply an approval outcome to its jobs", metadata: ["approval": "\(resolution.approvalID)", "error": "\(error)"])
            }
        }
    }

    /// How often jobs' and clusters' states are asked of Dataproc (`dataproc.poll_*`).
    static func statusPolling(_ config: Config) -> JobTracker.Settings {
        JobTracker.Settings(
            minInterval: TimeInterval(config[ConfigKeys.Dataproc.pollMinSeconds]),
            maxInterval: TimeInterval(config[ConfigKeys.Dataproc.pollMaxSeconds]))
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
