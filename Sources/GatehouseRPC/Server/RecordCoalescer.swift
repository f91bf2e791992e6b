import NIOCore
import Synchronization

/// Hands the observer, in one batch, every call an event loop finished during one turn, and runs
/// their continuations back on that event loop.
///
/// An event loop serves all the requests that became readable in one wake-up before it runs its
/// task queue; the flush is such a task. Under load that turns one turn's requests into one audit
/// commit (group commit without a hop to another thread); a lone request is flushed at the end of
/// its own turn, so it waits for nothing. When the observer completes a batch on another thread
/// (the store's writer), the whole batch comes back in one hop rather than one per call.
final class RecordCoalescer: @unchecked Sendable {
    // `pending` is only touched on `eventLoop` (asserted), which is what makes this Sendable.
    let eventLoop: any EventLoop
    private let observer: any CallObserver
    private var pending: [PendingRecord] = []

    init(eventLoop: any EventLoop, observer: any CallObserver) {
        self.eventLoop = eventLoop
        self.observer = observer
    }

    /// Queues `record` for the end of this turn; its `done` will run on this event loop.
    func add(_ record: PendingRecord) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.add(record) }
            return
        }
        pending.append(record)
        if pending.count == 1 {
            eventLoop.execute { self.flush() }
        }
    }

    private func flush() {
        let batch = pending
        pending = []
        let outcomes = IndexedCollector<Result<Void, RPCError>>(count: batch.count, placeholder: .success(()))
        let eventLoop = self.eventLoop
        observer.record(
            batch: batch.indices.map { index in
                PendingRecord(call: batch[index].call) { outcome in
                    guard let all = outcomes.set(index, outcome) else { return }
                    let deliver: @Sendable () -> Void = {
                        for (record, outcome) in zip(batch, all) { record.done(outcome) }
                    }
                    if eventLoop.inEventLoop { deliver() } else { eventLoop.execute(deliver) }
                }
            })
    }
}

/// One coalescer per event loop, created on first use.
final class RecordCoalescers: Sendable {
    private let observer: any CallObserver
    private let byLoop = Mutex<[ObjectIdentifier: RecordCoalescer]>([:])

    init(observer: any CallObserver) {
        self.observer = observer
    }

    /// The coalescer of `eventLoop`.
    func coalescer(for eventLoop: any EventLoop) -> RecordCoalescer {
        let key = ObjectIdentifier(eventLoop as AnyObject)
        return byLoop.withLock { table in
            if let existing = table[key] { return existing }
            let created = RecordCoalescer(eventLoop: eventLoop, observer: observer)
            table[key] = created
            return created
        }
    }
}
