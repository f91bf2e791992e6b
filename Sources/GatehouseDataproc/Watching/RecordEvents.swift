import Foundation
import Synchronization

/// Fans a record's changes out to whoever watches it (`job.watch`, `cluster.watch`), after they are committed.
public final class RecordEvents<Record: Sendable>: Sendable {
    private struct Subscription {
        let recordID: String
        let continuation: AsyncStream<Record>.Continuation
    }

    private let identify: @Sendable (Record) -> String
    private let subscriptions = Mutex<[UUID: Subscription]>([:])

    /// No watchers yet; `identify` gives a record's local id.
    public init(identify: @escaping @Sendable (Record) -> String) {
        self.identify = identify
    }

    /// Changes of record `recordID` from now on; the stream ends when the consuming task ends.
    public func subscribe(to recordID: String) -> AsyncStream<Record> {
        let (stream, continuation) = AsyncStream<Record>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let key = UUID()
        subscriptions.withLock { $0[key] = Subscription(recordID: recordID, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscriptions.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    /// Tells the record's watchers about its new state.
    public func publish(_ record: Record) {
        let id = identify(record)
        let targets = subscriptions.withLock { $0.values.filter { $0.recordID == id }.map(\.continuation) }
        targets.forEach { $0.yield(record) }
    }

    /// Watchers right now.
    public var watcherCount: Int { subscriptions.withLock { $0.count } }
}

/// Watchers of jobs.
public typealias JobEvents = RecordEvents<JobRecord>
/// Watchers of clusters.
public typealias ClusterEvents = RecordEvents<ClusterRecord>
/// Watchers of batches.
public typealias BatchEvents = RecordEvents<BatchRecord>

extension RecordEvents where Record == JobRecord {
    /// Job watchers, keyed by local job id.
    public convenience init() { self.init(identify: { $0.jobId }) }
}

extension RecordEvents where Record == ClusterRecord {
    /// Cluster watchers, keyed by local cluster id.
    public convenience init() { self.init(identify: { $0.id }) }
}

extension RecordEvents where Record == BatchRecord {
    /// Batch watchers, keyed by local batch id.
    public convenience init() { self.init(identify: { $0.batchId }) }
}
