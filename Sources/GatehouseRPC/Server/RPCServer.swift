import Foundation
import GatehouseCore
import GatehousePeer
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Why the server could not start.
public enum RPCServerError: Error, CustomStringConvertible, Sendable {
    case alreadyRunning(path: String)
    case notASocket(path: String)
    case cannotPrepare(path: String, detail: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path):
            "another gatehouse daemon is already serving on \(path); stop it first (`gatehouse status` shows it)"
        case .notASocket(let path):
            "\(path) exists and is not a socket; remove it or choose another --socket"
        case .cannotPrepare(let path, let detail):
            "cannot listen on \(path): \(detail)"
        }
    }
}

/// The JSON-RPC 2.0 server on a Unix socket (newline-delimited frames).
public final class RPCServer: Sendable {
    private let configuration: RPCServerConfiguration
    private let dispatcher: Dispatcher
    private let logger: Logger
    private let state = ServerState()
    private let group: MultiThreadedEventLoopGroup
    private let listener = Mutex<(any Channel)?>(nil)
    /// True when systemd handed the socket over: it stays in place at shutdown for the next activation.
    private let socketInherited = Mutex(false)

    /// A server for `registry`, reporting every call to `observer` before answering it.
    public init(configuration: RPCServerConfiguration, registry: MethodRegistry, observer: any CallObserver, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.dispatcher = Dispatcher(registry: registry, observer: observer, logger: logger)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
    }

    /// Binds the socket (0600, in a 0700 directory), replacing a stale one but never a live one.
    public func start() async throws {
        let path = configuration.socketPath
        let inherited = InheritedSocket.take()
        if inherited == nil { try prepareSocketPath(path) }
        let dispatcher = self.dispatcher
        let state = self.state
        let configuration = self.configuration
        let observer = dispatcher.observer
        let daemonUID = getuid()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                PeerCredentials.read(from: channel).flatMapThrowing { peer in
                    if let refusal = Self.refusal(for: peer, daemonUID: daemonUID, channel: channel, state: state, configuration: configuration) {
                        observer.refused(peer: peer, reason: refusal.reason ?? "refused")
                        var bytes: [UInt8] = []
                        RPCResponseWriter.error(refusal, id: .null, into: &bytes)
                        try channel.pipeline.syncOperations.addHandler(
                            RefusedConnectionHandler(answer: bytes, linger: Self.refusalLinger, maxDiscard: configuration.maxFrameBytes))
                        return
                    }
                    let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000)
                    try channel.pipeline.syncOperations.addHandlers([
                        // Reads and completed writes both count as progress: a client that reads nothing is idle too.
                        IdleStateHandler(allTimeout: idle),
                        ByteToMessageHandler(NewlineFrameDecoder(limit: configuration.maxFrameBytes)),
                        RPCConnectionHandler(
                            peer: peer, dispatcher: dispatcher, eventLoop: channel.eventLoop, state: state, configuration: configuration),
                    ])
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let channel: any Channel
        if let inherited {
            // systemd made the socket (SocketMode=0600, DirectoryMode=0700 in gatehouse.socket).
            channel = try await bootstrap.withBoundSocket(inherited).get()
            socketInherited.withLock { $0 = true }
        } else {
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            // The directory is already 0700; this closes the remaining window for anyone else who can reach it.
            chmod(path, 0o600)
        }
        listener.withLock { $0 = channel }
        logger.info("listening", metadata: ["socket": "\(path)", "activation": "\(inherited == nil ? "bound" : "inherited from systemd")"])
    }

    /// Connections currently open.
    public var connectionCount: Int { state.connectionCount }

    /// Stops accepting, lets requests in flight finish (up to the grace period), closes every connection and removes the socket.
    public func shutdown() async {
        let server = listener.withLock { channel -> (any Channel)? in
            defer { channel = nil }
            return channel
        }
        guard let server else { return }
        try? await server.close()
        let connections = state.beginShutdown()
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while state.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for connection in connections { try? await connection.close() }
        if !socketInherited.withLock({ $0 }) { unlink(configuration.socketPath) }
        try? await group.shutdownGracefully()
        logger.info("stopped", metadata: ["socket": "\(configuration.socketPath)"])
    }

    /// How long a refused connection stays open for its client to read why, unless the client's
    /// first frame or its close comes sooner.
    static let refusalLinger = TimeAmount.seconds(2)

    private static func refusal(
        for peer: PeerCredentials, daemonUID: UInt32, channel: any Channel, state: ServerState, configuration: RPCServerConfiguration
    ) -> RPCError? {
        if peer.uid != daemonUID && !configuration.allowedUIDs.contains(peer.uid) {
            return RPCError(
                .unauthorized, reason: "peer_uid_not_allowed",
                message: "uid \(peer.uid) may not use this daemon (it serves uid \(daemonUID)); allow it with rpc.allowed_uids")
        }
        if !state.admit(channel, limit: configuration.maxConnections) {
            return RPCError(
                .busy, reason: "too_many_connections", message: "The daemon has \(configuration.maxConnections) connections open; retry shortly")
        }
        return nil
    }

    private func prepareSocketPath(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try PrivateFiles.makeDirectory(directory)
        } catch {
            throw RPCServerError.cannotPrepare(path: path, detail: error.description)
        }
        switch SocketLocation.occupancy(of: path) {
        case .free: break
        case .stale:
            logger.notice("replacing stale socket left by a previous daemon", metadata: ["socket": "\(path)"])
            unlink(path)
        case .live: throw RPCServerError.alreadyRunning(path: path)
        case .notASocket: throw RPCServerError.notASocket(path: path)
        }
    }
}
