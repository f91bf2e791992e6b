import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import Logging
import Synchronization

/// Drains the outbox: sends due entries to Dataproc, a few at a time, and ends each as delivered
/// or rejected through its kind's handler. Retryable failures keep the entry pending with its
/// `lastError` and back off with jitter; while Dataproc is unreachable the whole queue pauses,
/// and the first success after an outage makes every waiting entry due at once.
public final class OutboxSender: Sendable {
    /// How the sender paces itself.
    public struct Settings: Sendable {
        /// Entries in flight at once.
        public var concurrency: Int
        /// Backoff after failures (seconds).
        public var backoff: Backoff
        /// Longest sleep without a doorbell ring (a safety net; new entries ring).
        public var idleWake: TimeInterval
        /// The longest an entry is ever put off (backoff, or an upstream's Retry-After, capped here): a
        /// later retry time can only come from a wall clock set back since, and is treated as due.
        public var longestPause: TimeInterval { max(backoff.cap, 600) }

        /// Settings; defaults suit a workstation.
        public init(concurrency: Int = 8, backoff: Backoff = Backoff(base: 0.25, cap: 5), idleWake: TimeInterval = 5) {
            self.concurrency = max(1, concurrency)
            self.backoff = backoff
            self.idleWake = idleWake
        }
    }

    /// Counters for `system.status`.
    public struct Stats: Sendable, Codable {
        public var delivered = 0
        public var rejected = 0
        public var retried = 0
        public var consecutiveFailures = 0
        public var pausedUntil: String?
        public var lastError: String?
    }

    private let outbox: Outbox
    private let store: Store
    private let client: DataprocClient
    private let handlers: Mutex<[String: any OutboxHandler]>
    /// Ring it after committing new entries.
    public let doorbell: Doorbell
    private let settings: Settings
    private let logger: Logger
    private let counters = Mutex(Stats())

    /// A sender for `store`'s outbox; `handlers` by entry kind.
    public init(
        store: Store, client: DataprocClient, handlers: [String: any OutboxHandler], doorbell: Doorbell = Doorbell(), settings: Settings = .init(),
        logger: Logger
    ) {
        self.store = store
        self.outbox = Outbox(store: store)
        self.client = client
        self.handlers = Mutex(handlers)
        self.doorbell = doorbell
        self.settings = settings
        self.logger = logger
    }

    /// Adds (or replaces) the handler of entries of `kind`, e.g. `cluster.create`; entries of kinds without one wait.
    public func register(_ handler: any OutboxHandler, for kind: String) {
        handlers.withLock { $0[kind] = handler }
        doorbell.ring()
    }

    /// What the sender has done so far.
    public var stats: Stats { counters.withLock { $0 } }

    private enum Result: Sendable {
        case delivered
        case rejected
        case retry(DataprocError)
        case interrupted
    }

    /// Sends until cancelled.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let kinds = handlers.withLock { Array($0.keys) }
            let due: [OutboxEntry]
            do {
                due = try await outbox.due(now: now, horizon: settings.longestPause, limit: settings.concurrency * 8, kinds: kinds)
            } catch {
                logger.error("outbox read failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if due.isEmpty {
                let next = (try? await outbox.earliestDue(kinds: kinds)) ?? nil
                let wait = next.map { min(max($0 - now, 0.001), settings.idleWake) } ?? settings.idleWake
                await doorbell.wait(timeout: .milliseconds(Int(wait * 1000)))
                continue
            }
            let results = await send(due, failures: failures)
            if results.allSatisfy({ if case .interrupted = $0 { true } else { false } }) {
                // Nothing could be recorded (store trouble, or shutting down): do not spin.
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let succeeded = results.contains { if case .delivered = $0 { true } else if case .rejected = $0 { true } else { false } }
            let retries = results.compactMap { if case .retry(let error) = $0 { error } else { nil } }
            if succeeded {
                if failures > 0 {
                    logger.notice("Dataproc reachable again; sending every queued request now", metadata: ["failures": "\(failures)"])
                    _ = try? await store.writer.write { db in try Outbox.makeAllDue(in: db) }
                }
                failures = 0
                // Dataproc answers again: the last failure is history, not status.
                counters.withLock { $0.lastError = nil }
            }
            if !retries.isEmpty && !succeeded {
                // Nothing got through: Dataproc (or the token source) is down. Pause the whole queue.
                failures += 1
                let retryAt = retries.compactMap(\.retryAt).max()?.timeIntervalSince1970
                let pause = min(
                    settings.backoff.delay(after: failures, floor: max(0, (retryAt ?? 0) - Date().timeIntervalSince1970)), settings.longestPause)
                counters.withLock {
                    $0.consecutiveFailures = failures
                    $0.pausedUntil = Timestamp.string(Date().addingTimeInterval(pause))
                    $0.lastError = retries.last?.description
                }
                try? await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                counters.withLock { $0.pausedUntil = nil }
            } else {
                counters.withLock { $0.consecutiveFailures = failures }
            }
        }
    }

    /// Sends `entries` with at most `concurrency` in flight.
    private func send(_ entries: [OutboxEntry], failures: Int) async -> [Result] {
        await withTaskGroup(of: Result.self) { group in
            var results: [Result] = []
            var iterator = entries.makeIterator()
            var running = 0
            while running < settings.concurrency, let entry = iterator.next() {
                group.addTask { await self.deliver(entry, failures: failures) }
                running += 1
            }
            while let result = await group.next() {
                results.append(result)
                if let entry = iterator.next() {
                    group.addTask { await self.deliver(entry, failures: failures) }
                }
            }
            return results
        }
    }

    /// One attempt at one entry, and its bookkeeping.
    private func deliver(_ entry: OutboxEntry, failures: Int) async -> Result {
        guard let handler = handlers.withLock({ $0[entry.kind] }) else {
            logger.error("no handler for outbox entry kind; leaving it pending", metadata: ["kind": "\(entry.kind)", "id": "\(entry.id)"])
            return .interrupted
        }
        var outcome: Swift.Result<JSONValue, DataprocError>
        do {
            outcome = .success(try await client.perform(entry.method, entry.path, body: entry.body))
        } catch {
            outcome = .failure(error)
        }
        if case .failure(let error) = outcome, error.isAlreadyExists, let path = handler.existingResourcePath(for: entry) {
            // An earlier attempt created it (its requestId may have been forgotten upstream): adopt that one.
            do { outcome = .success(try await client.perform(.GET, path)) } catch { outcome = .failure(error) }
        }
        if Task.isCancelled { return .interrupted }
        do {
            switch outcome {
            case .success(let response):
                let ended = try await store.writer.write { db in
                    // Withdrawn while this attempt was in flight: Dataproc has it anyway, so the record must say so.
                    guard try Outbox.finish(entry.id, as: .delivered, error: nil, from: [.pending, .cancelled], in: db) else { return false }
                    try handler.delivered(entry, response: response, in: db)
                    return true
                }
                if ended { await handler.committed(entry) }
                counters.withLock { $0.delivered += 1 }
                return .delivered
            case .failure(let error) where error.isRetryable:
                let delay = settings.backoff.delay(after: max(entry.attempts + 1, failures + 1))
                let now = Date().timeIntervalSince1970
                let next = min(max(now + delay, error.retryAt?.timeIntervalSince1970 ?? 0), now + settings.longestPause)
                try await store.writer.write { db in
                    try Outbox.retryLater(entry.id, error: error.description, next: next, in: db)
                    // Not pending any more: withdrawn while this attempt was in flight, and nobody knows
                    // whether Dataproc got it. The handler undoes what may have arrived.
                    if db.changesCount == 0,
                        try String.fetchOne(db, sql: "SELECT state FROM dataproc_outbox WHERE id = ?", arguments: [entry.id])
                            == OutboxEntry.State.cancelled.rawValue
                    {
                        try handler.withdrawnAfterAmbiguousAttempt(entry, in: db)
                    }
                }
                counters.withLock { $0.retried += 1 }
                logger.debug("outbox entry will be retried", metadata: ["kind": "\(entry.kind)", "record": "\(entry.recordID)", "error": "\(error)"])
                return .retry(error)
            case .failure(let error):
                let ended = try await store.writer.write { db in
                    guard try Outbox.finish(entry.id, as: .rejected, error: error.description, in: db) else { return false }
                    try handler.rejected(entry, error: error, in: db)
                    return true
                }
                if ended { await handler.committed(entry) }
                counters.withLock { $0.rejected += 1 }
                logger.notice("Dataproc refused a request", metadata: ["kind": "\(entry.kind)", "record": "\(entry.recordID)", "error": "\(error)"])
                return .rejected
            }
        } catch {
            logger.error("outbox bookkeeping failed; the entry stays pending", metadata: ["record": "\(entry.recordID)", "error": "\(error)"])
            return .interrupted
        }
    }
}
