import Foundation
import Synchronization

/// Fans cluster changes out to whoever watches them (`cluster.watch`), after they are committed.
public final class ClusterEvents: Sendable {
    private let subscriptions = Mutex<[UUID: (id: String, continuation: AsyncStream<ClusterRecord>.Continuation)]>([:])

    /// No watchers yet.
    public init() {}

    /// Changes of cluster `id` from now on; the stream ends when the consuming task ends.
    public func subscribe(to id: String) -> AsyncStream<ClusterRecord> {
        let (stream, continuation) = AsyncStream<ClusterRecord>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let key = UUID()
        subscriptions.withLock { $0[key] = (id, continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscriptions.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    /// Tells the cluster's watchers about its new state.
    public func publish(_ cluster: ClusterRecord) {
        let targets = subscriptions.withLock { $0.values.filter { $0.id == cluster.id }.map(\.continuation) }
        targets.forEach { $0.yield(cluster) }
    }
}
