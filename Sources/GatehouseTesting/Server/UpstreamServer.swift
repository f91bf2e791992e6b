import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One upstream's HTTP listener on loopback, which can be stopped and restarted on the same port
/// (that is how the `down` fault gives real "connection refused").
final class UpstreamServer: Sendable {
    let upstream: SandboxUpstream
    private let host: String
    private let responder: RouterResponder<SandboxRequestContext>
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var port: Int
        var task: Task<Void, Never>?
    }

    init(upstream: SandboxUpstream, host: String, port: Int, router: Router<SandboxRequestContext>, logger: Logger) {
        self.upstream = upstream
        self.host = host
        self.responder = router.buildResponder()
        self.logger = logger
        self.state = Mutex(State(port: port, task: nil))
    }

    /// The bound port (the requested one until the first start).
    var port: Int { state.withLock { $0.port } }

    /// True while the listener accepts connections.
    var isRunning: Bool { state.withLock { $0.task != nil } }

    /// Binds and starts accepting; returns once the port is bound. Restarts reuse the first bound port.
    @discardableResult
    func start() async throws -> Int {
        if isRunning { return port }
        let (stream, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let task = Task {
            do { try await app.run() } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        var bound: Result<Int, any Error> = .failure(SandboxServerError.didNotStart(upstream))
        for await result in stream {
            bound = result
            break
        }
        switch bound {
        case .success(let port):
            state.withLock {
                $0.port = port
                $0.task = task
            }
            return port
        case .failure(let error):
            task.cancel()
            throw SandboxServerError.bindFailed(upstream, host: host, port: port, reason: "\(error)")
        }
    }

    /// Closes the listener and every open connection; returns when they are closed.
    func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
    }
}

/// A sandbox listener could not be started.
public enum SandboxServerError: Error, CustomStringConvertible {
    /// The server task ended before it reported its port.
    case didNotStart(SandboxUpstream)
    /// Binding the address failed (port in use, bad host).
    case bindFailed(SandboxUpstream, host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .didNotStart(let upstream):
            "The \(upstream.rawValue) sandbox server stopped before it was listening."
        case .bindFailed(let upstream, let host, let port, let reason):
            "The \(upstream.rawValue) sandbox server cannot listen on \(host):\(port) (\(reason)); choose another --port-base or free the port."
        }
    }
}
