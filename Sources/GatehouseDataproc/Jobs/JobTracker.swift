import Foundation
import GatehouseCore
import GatehouseStore
import Logging

/// Follows submitted jobs until they finish: asks `jobs.get` when each is due, stores every state
/// change, and backs off (doubling up to `maxInterval`) while a job's state stays the same.
public final class JobTracker: Sendable {
    /// How often jobs are asked about.
    public struct Settings: Sendable {
        /// First interval after a change (seconds).
        public var minInterval: TimeInterval
        /// Longest interval between two checks of one job (seconds).
        public var maxInterval: TimeInterval
        /// Checks in flight at once.
        public var concurrency: Int

        /// Settings; defaults suit a workstation.
        public init(minInterval: TimeInterval = 1, maxInterval: TimeInterval = 30, concurrency: Int = 8) {
            self.minInterval = max(0.05, minInterval)
            self.maxInterval = max(self.minInterval, maxInterval)
            self.concurrency = max(1, concurrency)
        }
    }

    private let store: Store
    private let jobs: JobStore
    private let client: DataprocClient
    private let events: JobEvents
    /// Rung when a job is submitted, so tracking starts at once.
    public let doorbell: Doorbell
    private let settings: Settings
    private let logger: Logger

    /// A tracker of `store`'s jobs.
    public init(
        store: Store, client: DataprocClient, events: JobEvents, doorbell: Doorbell = Doorbell(), settings: Settings = .init(), logger: Logger
    ) {
        self.store = store
        self.jobs = JobStore(store: store)
        self.client = client
        self.events = events
        self.doorbell = doorbell
        self.settings = settings
        self.logger = logger
    }

    /// Tracks until cancelled.
    public func run() async {
        let jobs = self.jobs
        await PollLoop(
            settings: settings, doorbell: doorbell,
            due: { [settings] now in try await jobs.dueForPoll(now: now, horizon: settings.maxInterval, limit: settings.concurrency * 8) },
            earliest: { try await jobs.earliestPoll() },
            check: { [self] in await self.check($0, interval: $1) }
        ).run()
    }

    /// One `jobs.get` and its bookkeeping.
    func check(_ job: JobRecord, interval: TimeInterval) async {
        do {
            let resource = try await client.job(job.jobId, at: job.location)
            let status = resource["status"]
            let state = status?["state"]?.stringValue ?? job.state
            let changed = state != job.state
            let next = settings.nextInterval(after: interval, changed: changed)
            try await store.writer.write { db in
                try JobStore.transition(job.jobId, to: state, detail: status?["details"]?.stringValue, in: db)
                try JobStore.schedulePoll(job.jobId, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
            if changed, let updated = try await jobs.job(job.jobId) { events.publish(updated) }
        } catch DataprocError.upstream(404, _, let message, _) {
            // Deleted upstream (or never there): nothing left to follow; say so instead of asking forever.
            _ = try? await store.writer.write { db in
                try JobStore.stopTracking(job.jobId, detail: "Dataproc no longer knows this job: \(message)", in: db)
            }
            if let updated = try? await jobs.job(job.jobId) { events.publish(updated) }
        } catch {
            if Task.isCancelled { return }
            let next = settings.nextInterval(after: interval, changed: false)
            logger.debug("job status check failed", metadata: ["job": "\(job.jobId)", "error": "\(error)"])
            _ = try? await store.writer.write { db in
                try JobStore.schedulePoll(job.jobId, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
        }
    }
}
