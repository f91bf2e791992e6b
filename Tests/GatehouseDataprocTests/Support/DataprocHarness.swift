import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseHTTP
import GatehouseStore
import GatehouseTesting
import Logging

/// An in-process sandbox (manual clock), a fresh store and a job service sending to the sandbox's Dataproc.
final class DataprocHarness: Sendable {
    let sandbox: Sandbox
    let store: Store
    let http: HTTPClient
    let client: DataprocClient
    let service: JobService
    let directory: String
    let location = DataprocLocation(project: "demo-project", region: "europe-west1", cluster: "analytics-cluster")

    private init(sandbox: Sandbox, store: Store, http: HTTPClient, client: DataprocClient, service: JobService, directory: String) {
        self.sandbox = sandbox
        self.store = store
        self.http = http
        self.client = client
        self.service = service
        self.directory = directory
    }

    /// Starts everything; `requestTimeout` bounds each Dataproc call.
    static func start(
        requestTimeout: Duration = .seconds(3), sender: OutboxSender.Settings = .init(backoff: Backoff(base: 0.05, cap: 0.5)),
        tracker: JobTracker.Settings = .init(minInterval: 0.1, maxInterval: 0.5)
    ) async throws -> DataprocHarness {
        var configuration = SandboxConfiguration()
        configuration.clockMode = .manual
        let sandbox = try await Sandbox.start(configuration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-dataproc-\(UUID().uuidString.prefix(8))").path
        let store = try Store(path: directory + "/gatehouse.db")
        let http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(1), retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
                breaker: CircuitBreakerConfiguration(failureThreshold: 5, openDuration: .milliseconds(300))))
        let token = sandbox.issueAccessToken(lifetime: 24 * 3600).token
        let client = DataprocClient(http: http, baseURL: sandbox.dataprocURL.absoluteString, timeout: requestTimeout) { token }
        var logger = Logger(label: "test.dataproc")
        logger.logLevel = .critical
        let service = JobService(store: store, client: client, sender: sender, tracker: tracker, logger: logger)
        return DataprocHarness(sandbox: sandbox, store: store, http: http, client: client, service: service, directory: directory)
    }

    /// Runs `body` with the sender and tracker running, then stops everything.
    func running<T>(_ body: () async throws -> T) async throws -> T {
        let background = Task { await service.run() }
        defer { background.cancel() }
        do {
            let result = try await body()
            background.cancel()
            await background.value
            return result
        } catch {
            background.cancel()
            await background.value
            throw error
        }
    }

    func stop() async {
        await sandbox.stop()
        store.close()
        http.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A valid PySpark spec.
    static func pyspark(_ main: String = "gs://bucket/main.py", args: [String] = []) throws -> JobSpec {
        try JobSpec(["pysparkJob": ["mainPythonFileUri": .string(main), "args": .array(args.map(JSONValue.string))]])
    }

    /// Submits `count` jobs locally (queued, committed) and returns their ids.
    func submit(_ count: Int, location: DataprocLocation? = nil) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let job = try await service.submit(
                try Self.pyspark(args: ["\(index)"]), entity: "component:default/engagement-reports", location: location ?? self.location,
                principal: "alice@example.com")
            ids.append(job.jobId)
        }
        return ids
    }

    /// Jobs per state, from the local store.
    func counts() async throws -> [String: Int] { try await service.jobs.counts() }

    /// The sandbox's own jobs: how many times each job id exists upstream.
    func upstreamCopies() -> [String: Int] {
        Dictionary(sandbox.dataproc.jobs.all.map { ($0.jobId, 1) }, uniquingKeysWith: +)
    }
}
