import Foundation
import GatehouseCore
import GatehouseStore
import Logging

/// Follows created batches until they end: asks `batches.get` when each is due, stores every state
/// change and the output location, and backs off while a batch's state stays the same (the jobs'
/// polling settings).
public final class BatchTracker: Sendable {
    private let store: Store
    private let batches: BatchStore
    private let client: DataprocClient
    private let events: BatchEvents
    /// Rung when a batch is created, so tracking starts at once.
    public let doorbell: Doorbell
    private let settings: JobTracker.Settings
    private let logger: Logger

    /// A tracker of `store`'s batches.
    public init(store: Store, client: DataprocClient, events: BatchEvents, settings: JobTracker.Settings = .init(), logger: Logger) {
        self.store = store
        self.batches = BatchStore(store: store)
        self.client = client
        self.events = events
        self.doorbell = Doorbell()
        self.settings = settings
        self.logger = logger
    }

    /// Tracks until cancelled.
    public func run() async {
        let batches = self.batches
        await PollLoop(
            settings: settings, doorbell: doorbell,
            due: { [settings] now in try await batches.dueForPoll(now: now, horizon: settings.maxInterval, limit: settings.concurrency * 8) },
            earliest: { try await batches.earliestPoll() },
            check: { [self] in await self.check($0, interval: $1) }
        ).run()
    }

    /// One `batches.get` and its bookkeeping.
    func check(_ batch: BatchRecord, interval: TimeInterval) async {
        do {
            let resource = try await client.batch(batch.upstreamID, at: batch.location)
            let changed = (resource["state"]?.stringValue ?? batch.state) != batch.state
            let next = settings.nextInterval(after: interval, changed: changed)
            try await store.writer.write { db in
                _ = try BatchStore.observe(batch.batchId, resource: resource, in: db)
                try BatchStore.schedulePoll(batch.batchId, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
            if changed, let updated = try await batches.batch(batch.batchId) { events.publish(updated) }
        } catch DataprocError.upstream(404, _, let message, _) {
            _ = try? await store.writer.write { db in
                try BatchStore.stopTracking(batch.batchId, detail: "Dataproc no longer knows this batch: \(message)", in: db)
            }
            if let updated = try? await batches.batch(batch.batchId) { events.publish(updated) }
        } catch {
            if Task.isCancelled { return }
            let next = settings.nextInterval(after: interval, changed: false)
            logger.debug("batch status check failed", metadata: ["batch": "\(batch.batchId)", "error": "\(error)"])
            _ = try? await store.writer.write { db in
                try BatchStore.schedulePoll(batch.batchId, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
        }
    }
}
