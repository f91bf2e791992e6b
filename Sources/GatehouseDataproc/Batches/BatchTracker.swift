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
        while !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let due = (try? await batches.dueForPoll(now: now, horizon: settings.maxInterval, limit: settings.concurrency * 8)) ?? []
            if due.isEmpty {
                let next = (try? await batches.earliestPoll()) ?? nil
                let wait = next.map { min(max($0 - now, 0.001), settings.maxInterval) } ?? settings.maxInterval
                await doorbell.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                var iterator = due.makeIterator()
                var running = 0
                while running < settings.concurrency, let (batch, interval) = iterator.next() {
                    group.addTask { await self.check(batch, interval: interval) }
                    running += 1
                }
                while await group.next() != nil {
                    if let (batch, interval) = iterator.next() { group.addTask { await self.check(batch, interval: interval) } }
                }
            }
        }
    }

    /// One `batches.get` and its bookkeeping.
    func check(_ batch: BatchRecord, interval: TimeInterval) async {
        do {
            let resource = try await client.batch(batch.upstreamID, at: batch.location)
            let changed = (resource["state"]?.stringValue ?? batch.state) != batch.state
            let next = changed ? settings.minInterval : min(settings.maxInterval, max(settings.minInterval, interval * 2))
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
            let next = min(settings.maxInterval, max(settings.minInterval, interval * 2))
            logger.debug("batch status check failed", metadata: ["batch": "\(batch.batchId)", "error": "\(error)"])
            _ = try? await store.writer.write { db in
                try BatchStore.schedulePoll(batch.batchId, at: Date().timeIntervalSince1970 + next, interval: next, in: db)
            }
        }
    }
}
