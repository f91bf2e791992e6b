import NIOCore
import Synchronization

/// What the server tracks across connections: open connections, requests in flight, shutdown.
final class ServerState: Sendable {
    private struct Inner {
        var connections: [ObjectIdentifier: any Channel] = [:]
        var inFlight = 0
        var shuttingDown = false
    }

    private let inner = Mutex(Inner())

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

    func requestStarted() { inner.withLock { $0.inFlight += 1 } }
    func requestFinished() { inner.withLock { $0.inFlight -= 1 } }

    var inFlight: Int { inner.withLock { $0.inFlight } }
    var connectionCount: Int { inner.withLock { $0.connections.count } }
    var isShuttingDown: Bool { inner.withLock { $0.shuttingDown } }

    /// Marks the server as stopping and returns the open connections.
    func beginShutdown() -> [any Channel] {
        inner.withLock { state in
            state.shuttingDown = true
            return Array(state.connections.values)
        }
    }
}
