import Foundation
import GRDB

/// The daemon's single writer: queued writes are committed together (group commit).
///
/// One dedicated thread takes everything queued, runs each write in its own savepoint inside one
/// `BEGIN IMMEDIATE … COMMIT`, and only then completes them. A write is therefore acknowledged
/// only once it is in the WAL, and a failing write rolls back alone without failing its batch.
/// Many concurrent requests cost one commit, which is what makes auditing every request cheap.
public final class BatchWriter: Sendable {
    /// A write: runs on the writer thread inside the batch transaction.
    public typealias Work = @Sendable (Database) throws -> Void
    /// Called on the writer thread once the write's batch has committed (or failed).
    public typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct Item {
        let work: Work
        let completion: Completion
    }

    private let pool: DatabasePool
    private let maxBatch: Int
    private let queue = LockedQueue<Item>()
    private let finished = DispatchSemaphore(value: 0)

    init(pool: DatabasePool, maxBatch: Int) {
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        let thread = Thread { [self] in self.run() }
        thread.name = "gatehouse.store.writer"
        thread.start()
    }

    /// Queues `work`; `completion` runs after the batch holding it has committed.
    public func submit(_ work: @escaping Work, completion: @escaping Completion) {
        if !queue.push(Item(work: work, completion: completion)) {
            completion(.failure(StoreError.writerStopped))
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

    /// Commits what is queued, refuses new writes, and returns when the writer thread has ended.
    public func stop() {
        if queue.close() { finished.wait() }
    }

    private func run() {
        while let batch = queue.popBatch(max: maxBatch) {
            commit(batch)
        }
        finished.signal()
    }

    private func commit(_ batch: [Item]) {
        var outcomes = [Result<Void, any Error>](repeating: .success(()), count: batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for (index, item) in batch.enumerated() {
                        do {
                            try db.inSavepoint {
                                try item.work(db)
                                return .commit
                            }
                        } catch {
                            outcomes[index] = .failure(error)
                        }
                    }
                    return .commit
                }
            }
        } catch {
            outcomes = Array(repeating: .failure(error), count: batch.count)
        }
        for (item, outcome) in zip(batch, outcomes) {
            item.completion(outcome)
        }
    }
}

/// Carries a write's return value from the writer thread to its continuation; written once, before it is read.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// A FIFO that a producer pushes onto and one consumer thread drains in batches, sleeping while empty.
final class LockedQueue<Element>: @unchecked Sendable {
    // NSCondition guards `items` and `closed`; every access below holds it.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false

    /// Appends unless closed; false when closed.
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        items.append(element)
        if items.count == 1 { condition.signal() }
        return true
    }

    /// Waits for at least one element and takes up to `max`; nil once closed and drained.
    func popBatch(max: Int) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        if items.count <= max {
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
        let batch = Array(items.prefix(max))
        items.removeFirst(max)
        return batch
    }

    /// Closes the queue; true the first time.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        closed = true
        condition.broadcast()
        return true
    }
}
