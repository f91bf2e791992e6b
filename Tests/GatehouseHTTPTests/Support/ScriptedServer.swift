import Foundation
import Hummingbird
import Logging

/// Runs `body` against a Hummingbird server on 127.0.0.1 (ephemeral port) whose routes the test scripts.
func withScriptedServer<T: Sendable>(
    routes: (Router<BasicRequestContext>) -> Void,
    _ body: @Sendable (_ baseURL: String) async throws -> T
) async throws -> T {
    let router = Router()
    routes(router)
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    var quiet = Logger(label: "scripted-server")
    quiet.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        },
        logger: quiet
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ScriptedServerError.noPort }
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)")
    }
}

enum ScriptedServerError: Error {
    case noPort
}

/// A TCP port on 127.0.0.1 that refuses connections: bound to port 0, read back, kept bound and never listening.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ScriptedServerError.noPort }
    // The socket stays bound and never listens, for the rest of the test run: connections to the
    // port are refused, and no daemon or sandbox started by a parallel test can be given the port
    // (closing it here let one take it, and the "refused" call then met a live server).
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else {
        close(fd)
        throw ScriptedServerError.noPort
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
