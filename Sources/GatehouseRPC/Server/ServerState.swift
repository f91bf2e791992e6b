import NIOCore
import Synchronization

/// What the server tracks across connections: open connections, requests in flight, shutdown.
final class ServerState: Sendable {
    private struct Inner {
        var connections: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
    }

    private let inner = Mutex(Inner())
    // Touched by every request from every event loop: atomics, not the lock.
    private let requestsInFlight = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    /// Registers a connection unless the limit is reached or the server is stopping.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        inner.withLock { state in
            guard !state.shuttingDown, state.connections.count < limit else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func removeConnection(_ channel: any Channel) {
        _ = inner.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func requestStarted() { requestsInFlight.add(1, ordering: .relaxed) }
    func requestFinished() { requestsInFlight.subtract(1, ordering: .relaxed) }

    var inFlight: Int { requestsInFlight.load(ordering: .relaxed) }
    var connectionCount: Int { inner.withLock { $0.connections.count } }
    var isShuttingDown: Bool { stopping.load(ordering: .relaxed) }

    /// Marks the server as stopping and returns the open connections.
    func beginShutdown() -> [any Channel] {
        inner.withLock { state in
            state.shuttingDown = true
            stopping.store(true, ordering: .relaxed)
            return Array(state.connections.values)
        }
    }
}
