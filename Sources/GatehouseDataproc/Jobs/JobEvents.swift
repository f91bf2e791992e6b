import Foundation
import Synchronization

/// Fans job changes out to whoever watches them (`job.watch`), after they are committed.
public final class JobEvents: Sendable {
    private struct Subscription {
        let jobID: String
        let continuation: AsyncStream<JobRecord>.Continuation
    }

    private let subscriptions = Mutex<[UUID: Subscription]>([:])

    /// No watchers yet.
    public init() {}

    /// Changes of job `jobID` from now on; the stream ends when the consuming task ends.
    public func subscribe(to jobID: String) -> AsyncStream<JobRecord> {
        let (stream, continuation) = AsyncStream<JobRecord>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscriptions.withLock { $0[id] = Subscription(jobID: jobID, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscriptions.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Tells the job's watchers about its new state.
    public func publish(_ job: JobRecord) {
        let targets = subscriptions.withLock { $0.values.filter { $0.jobID == job.jobId }.map(\.continuation) }
        targets.forEach { $0.yield(job) }
    }

    /// Watchers right now.
    public var watcherCount: Int { subscriptions.withLock { $0.count } }
}
