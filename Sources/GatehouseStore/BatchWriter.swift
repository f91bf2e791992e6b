import Foundation
import GRDB

/// The daemon's single writer: queued writes are committed together (group commit).
///
/// Writes run one batch at a time inside one `BEGIN IMMEDIATE … COMMIT`, and complete only then.
/// A write is therefore acknowledged only once it is in the WAL, and a failing write rolls back
/// alone without failing its batch (see `commit(_:in:)`: a write may run twice). Many concurrent
/// requests cost one commit, which is what makes auditing every request cheap.
///
/// Under load a dedicated thread takes everything queued. When the writer is idle, a submitter
/// that allows it (`inlineWhenIdle`, the RPC path) commits its write on its own thread instead:
/// a lone request then skips two thread wake-ups, which are most of its latency. With
/// `synchronous=NORMAL` a commit is a few page-cache writes and no disk wait, so the caller is
/// held for tens of microseconds; with `durability: full` (fsync per commit) the store turns
/// inline commits off.
public final class BatchWriter: Sendable {
    /// A write: runs inside the batch transaction, possibly twice (once more if another write of
    /// its batch fails), so any effect outside the database goes through `afterNextTransaction`.
    public typealias Work = @Sendable (Database) throws -> Void
    /// Called once the write's batch has committed (or failed), on the thread that committed it.
    public typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    /// A write and what to call once its batch has committed.
    public struct Item: Sendable {
        let work: Work
        let completion: Completion

        /// Pairs `work` with its `completion`.
        public init(_ work: @escaping Work, completion: @escaping Completion) {
            self.work = work
            self.completion = completion
        }
    }

    private let pool: DatabasePool
    private let maxBatch: Int
    private let allowsInline: Bool
    private let turn = WriterTurn<Item>()
    private let finished = DispatchSemaphore(value: 0)

    init(pool: DatabasePool, maxBatch: Int, allowsInline: Bool) {
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        self.allowsInline = allowsInline
        let thread = Thread { [self] in self.run() }
        thread.name = "gatehouse.store.writer"
        thread.start()
    }

    /// Queues `work`; `completion` runs after the batch holding it has committed.
    /// With `inlineWhenIdle`, an idle writer commits it on the calling thread right away.
    public func submit(_ work: @escaping Work, inlineWhenIdle: Bool = false, completion: @escaping Completion) {
        submit([Item(work, completion: completion)], inlineWhenIdle: inlineWhenIdle)
    }

    /// Queues several writes at once (they commit in one transaction unless the queue is longer
    /// than a batch); with `inlineWhenIdle`, an idle writer commits them on the calling thread.
    public func submit(_ items: [Item], inlineWhenIdle: Bool = false) {
        guard !items.isEmpty else { return }
        switch turn.offer(items, inline: inlineWhenIdle && allowsInline) {
        case .queued:
            return
        case .closed:
            for item in items { item.completion(.failure(StoreError.writerStopped)) }
        case .yours:
            commit(items)
            // Writes that queued up meanwhile (another event loop's turn) are committed here too,
            // once, rather than waking the writer thread for them: a wake-up and a hop cost more
            // than the commit. Only once, so a submitter is never kept from its own work for long.
            if let queued = turn.takeQueued(max: maxBatch) { commit(queued) }
            turn.release()
        }
    }

    /// Runs `work` in the next group commit and returns its result once committed.
    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = ResultBox<T>()
            submit({ db in result.value = try work(db) }) { outcome in
                switch outcome {
                case .success: continuation.resume(returning: result.value!)
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs `body` on the writer's connection outside any transaction, while no write can start;
    /// waits for the current batch. Skipped once the writer is closed. For the checkpointer.
    func betweenTransactions(_ body: (Database) -> Void) {
        guard turn.acquire() else { return }
        defer { turn.release() }
        pool.writeWithoutTransaction(body)
    }

    /// Commits what is queued, refuses new writes, and returns when the writer thread has ended.
    public func stop() {
        if turn.close() { finished.wait() }
    }

    /// Refuses new writes; the writer thread commits what is queued and ends, without the caller waiting.
    func closeWhenDrained() {
        _ = turn.close()
    }

    private func run() {
        while let batch = turn.takeBatch(max: maxBatch) {
            commit(batch)
            turn.release()
        }
        finished.signal()
    }

    private func commit(_ batch: [Item]) {
        let outcomes: [Result<Void, any Error>]
        do {
            outcomes = try pool.writeWithoutTransaction { db in try Self.commit(batch, in: db) }
        } catch {
            outcomes = Array(repeating: .failure(error), count: batch.count)
        }
        for (item, outcome) in zip(batch, outcomes) {
            item.completion(outcome)
        }
    }

    /// Commits `batch` in one transaction; a write that fails is left out alone.
    ///
    /// Optimistic first: every write straight into the transaction. A savepoint per write would
    /// let a failing one roll back alone, but it copies each page the write touches into SQLite's
    /// statement journal (spilling to a temporary file past 64 KiB), which made an audited request
    /// cost twice as much. Writes almost never fail on their own, so only when one does is the
    /// batch rolled back and run again, each write in its own savepoint. A write may therefore run
    /// twice: it must have no effect outside the database but through `afterNextTransaction`.
    private static func commit(_ batch: [Item], in db: Database) throws -> [Result<Void, any Error>] {
        let transaction = try Transaction(db)
        do {
            try transaction.run(db) {
                for (index, item) in batch.enumerated() {
                    do {
                        try item.work(db)
                    } catch {
                        throw FailedWrite(index: index, underlying: error)
                    }
                }
            }
            return Array(repeating: .success(()), count: batch.count)
        } catch let failed as FailedWrite {
            // Alone in its transaction, the write has already been rolled back alone.
            if batch.count == 1 { return [.failure(failed.underlying)] }
            return try commitIsolated(batch, in: db, transaction: transaction)
        }
    }

    /// Commits `batch` with each write in a savepoint, so that a failing write rolls back alone.
    private static func commitIsolated(_ batch: [Item], in db: Database, transaction: Transaction) throws -> [Result<Void, any Error>] {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: batch.count)
        try transaction.run(db) {
            let savepoint = try Savepoint(db)
            for (index, item) in batch.enumerated() {
                do {
                    try savepoint.run(db) { try item.work(db) }
                } catch let aborted as BatchAborted {
                    throw aborted.underlying
                } catch {
                    outcomes[index] = .failure(error)
                }
            }
        }
        return outcomes
    }
}

/// A write of the optimistic pass failed; the batch is run again with savepoints.
private struct FailedWrite: Error {
    let index: Int
    let underlying: any Error
}

/// `BEGIN IMMEDIATE … COMMIT` on cached statements.
///
/// GRDB's `inTransaction` builds its BEGIN and COMMIT SQL as strings and compiles them on every
/// transaction: a tenth of a lone request's CPU. These are compiled once; GRDB still sees them run,
/// so its commit hooks (`afterNextTransaction`) fire as before.
private struct Transaction {
    let begin: Statement
    let commit: Statement
    let rollback: Statement

    init(_ db: Database) throws {
        begin = try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION")
        commit = try db.cachedStatement(sql: "COMMIT TRANSACTION")
        rollback = try db.cachedStatement(sql: "ROLLBACK TRANSACTION")
    }

    /// Runs `body` in the transaction: committed if it returns, rolled back if it (or the commit) throws.
    func run(_ db: Database, _ body: () throws -> Void) throws {
        try begin.execute()
        do {
            try body()
            try commit.execute()
        } catch {
            // Some errors (disk full, I/O) have already ended the transaction.
            if db.isInsideTransaction { try? rollback.execute() }
            throw error
        }
    }
}

/// One write's savepoint, with its statements looked up once per batch.
///
/// Cached statements: GRDB's `inSavepoint` compiles its SAVEPOINT and RELEASE each time, two SQL
/// compilations per write on the busiest path of the daemon.
private struct Savepoint {
    let begin: Statement
    let rollback: Statement
    let release: Statement

    init(_ db: Database) throws {
        begin = try db.cachedStatement(sql: "SAVEPOINT gatehouse_write")
        rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT gatehouse_write")
        release = try db.cachedStatement(sql: "RELEASE SAVEPOINT gatehouse_write")
    }

    /// Runs `work` in the savepoint, rolled back alone when it throws.
    func run(_ db: Database, _ work: () throws -> Void) throws {
        try begin.execute()
        do {
            try work()
        } catch {
            // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the
            // batch is over, and every write in it fails rather than run outside a transaction.
            guard db.isInsideTransaction else { throw BatchAborted(underlying: error) }
            try rollback.execute()
            try release.execute()
            throw error
        }
        try release.execute()
    }
}

/// The transaction itself was lost while a write ran; carries the write's error.
private struct BatchAborted: Error {
    let underlying: any Error
}

/// Carries a write's return value from the writer thread to its continuation; written once, before it is read.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Whose turn it is to write: the queue of waiting writes plus a "someone is committing" flag.
///
/// Exactly one party commits at a time: the writer thread with a batch, or one idle-time
/// submitter with its own write (or the checkpointer, between transactions). Whoever finishes
/// calls `release`, which wakes whoever waits.
final class WriterTurn<Element>: @unchecked Sendable {
    // NSCondition guards every field below.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var committing = false
    private var closed = false
    private var acquiring = 0

    enum Offer { case queued, yours, closed }

    /// Queues `elements`, or with `inline` hands the turn to the caller when nobody is committing and nothing waits.
    func offer(_ elements: [Element], inline: Bool) -> Offer {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return .closed }
        if inline && !committing && items.isEmpty && acquiring == 0 {
            committing = true
            return .yours
        }
        let wasEmpty = items.isEmpty
        items.append(contentsOf: elements)
        if wasEmpty && !committing { condition.signal() }
        return .queued
    }

    /// Waits until writes are queued and nobody is committing, takes up to `max` and the turn; nil once closed and drained.
    func takeBatch(max: Int) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        // An `acquire` caller goes first: under steady load the turn would otherwise never be free for it.
        while (items.isEmpty || committing || acquiring > 0) && !(closed && items.isEmpty && !committing) { condition.wait() }
        if items.isEmpty { return nil }
        committing = true
        return take(max: max)
    }

    /// Waits until nobody is committing and takes the turn, leaving queued writes queued; false once closed.
    func acquire() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        acquiring += 1
        while committing && !closed { condition.wait() }
        acquiring -= 1
        guard !closed else {
            condition.broadcast()  // the writer thread may have waited for this caller
            return false
        }
        committing = true
        return true
    }

    /// While holding the turn: takes up to `max` queued writes, keeping the turn; nil when none wait.
    func takeQueued(max: Int) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        guard committing, !items.isEmpty else { return nil }
        return take(max: max)
    }

    /// The first `max` queued writes, removed from the queue; the caller holds the lock.
    private func take(max: Int) -> [Element] {
        if items.count <= max {
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
        let batch = Array(items.prefix(max))
        items.removeFirst(max)
        return batch
    }

    /// Ends the current turn; wakes the writer thread when writes are waiting (or the writer is closing), and any `acquire` caller.
    func release() {
        condition.lock()
        defer { condition.unlock() }
        committing = false
        // The writer thread and an `acquire` caller may both wait: wake both, whichever is due goes.
        // Not when neither is due: the idle writer thread would wake for nothing after every commit.
        if !items.isEmpty || closed || acquiring > 0 { condition.broadcast() }
    }

    /// Closes to new writes; true the first time.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        closed = true
        condition.broadcast()
        return true
    }
}
