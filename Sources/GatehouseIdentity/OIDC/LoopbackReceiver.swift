import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The redirect target of a native-app sign-in (RFC 8252 §7.3): an HTTP listener on
/// 127.0.0.1 at an ephemeral port that waits for the request carrying `code` and `state`.
///
/// Any local user can connect to a loopback port, and one who read the authorization URL (from
/// the browser opener's argv in `/proc`) could send a code for their own account first. So each
/// connection's peer is mapped to its uid through the kernel's socket table, and only
/// connections of `ownerUID` are handed on; others get 403 and are counted.
final class LoopbackReceiver: Sendable {
    /// What the browser brought back.
    struct Callback: Sendable {
        var query: [String: String]
    }

    /// `http://127.0.0.1:<port>/callback`.
    let redirectURI: String
    /// `http://127.0.0.1:<port>/start`: redirects the owner's browser to the authorization URL, so
    /// a browser opener's argv (readable by every local user in `/proc`) never holds `state`,
    /// `nonce` or the PKCE challenge.
    let startURI: String
    private let channel: any Channel
    private let stream: AsyncStream<Callback>
    private let continuation: AsyncStream<Callback>.Continuation
    private let shared: Box

    private init(channel: any Channel, stream: AsyncStream<Callback>, continuation: AsyncStream<Callback>.Continuation, shared: Box) {
        self.channel = channel
        self.stream = stream
        self.continuation = continuation
        self.shared = shared
        let base = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
        redirectURI = base + "/callback"
        startURI = base + "/start"
    }

    /// Binds 127.0.0.1:0 (never a wildcard address: the code must not be reachable from the network)
    /// and accepts callbacks only from processes of `ownerUID`.
    static func start(
        ownerUID: UInt32 = getuid(), peerUID: @escaping @Sendable (SocketAddress?, SocketAddress?) -> UInt32? = LoopbackReceiver.peerUID
    ) async throws -> LoopbackReceiver {
        // A few callbacks may arrive before the sign-in reads them (a forged one first); keep them in order.
        let (stream, continuation) = AsyncStream.makeStream(of: Callback.self, bufferingPolicy: .bufferingOldest(16))
        let shared = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let owned = peerUID(channel.remoteAddress, channel.localAddress) == ownerUID
                if !owned { shared.count.withLock { $0 += 1 } }
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(
                        CallbackHandler(
                            owned: owned, authorizationURL: { shared.authorizationURL.withLock { $0 } }, deliver: { continuation.yield($0) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackReceiver(channel: channel, stream: stream, continuation: continuation, shared: shared)
    }

    /// The kernel's answer for a connection (see `LoopbackPeer`).
    static func peerUID(_ remote: SocketAddress?, _ local: SocketAddress?) -> UInt32? {
        guard let remote, let local, let remoteIP = remote.ipAddress, let remotePort = remote.port,
            let localIP = local.ipAddress, let localPort = local.port
        else { return nil }
        return LoopbackPeer.uid(peer: (remoteIP, remotePort), local: (localIP, localPort))
    }

    /// Where `/start` sends the owner's browser.
    func redirectStart(to authorizationURL: String) {
        shared.authorizationURL.withLock { $0 = authorizationURL }
    }

    /// Connections refused so far because another user's process made them.
    var refusedConnections: Int { shared.count.withLock { $0 } }

    /// Callbacks of the owner, in order of arrival, until `timeout` passes or `close()`.
    func callbacks(timeout: TimeInterval) -> AsyncStream<Callback> {
        let timer = Task { [continuation] in
            try? await Task.sleep(for: .seconds(timeout))
            continuation.finish()
        }
        continuation.onTermination = { _ in timer.cancel() }
        return stream
    }

    /// Stops listening.
    func close() {
        continuation.finish()
        channel.close(promise: nil)
    }

    /// Shares the refusal counter and the `/start` target between the bootstrap's closure and the receiver.
    fileprivate final class Box: Sendable {
        /// Connections refused because another user's process made them.
        let count = Mutex(0)
        let authorizationURL = Mutex<String?>(nil)
    }
}

/// Answers `GET /callback?...` with a short page and hands the query over, and `GET /start` with a
/// redirect to the authorization URL; anything else gets 404, and a connection from another user
/// 403 (its request is not looked at).
private final class CallbackHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let owned: Bool
    private let authorizationURL: @Sendable () -> String?
    private let deliver: @Sendable (LoopbackReceiver.Callback) -> Void

    init(owned: Bool, authorizationURL: @escaping @Sendable () -> String?, deliver: @escaping @Sendable (LoopbackReceiver.Callback) -> Void) {
        self.owned = owned
        self.authorizationURL = authorizationURL
        self.deliver = deliver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let status: HTTPResponseStatus
        let text: String
        let components = URLComponents(string: head.uri)
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close"), ("Cache-Control", "no-store")])
        if !owned {
            (status, text) = (.forbidden, "This sign-in belongs to another user.")
        } else if components?.path == "/start", let target = authorizationURL() {
            headers.add(name: "Location", value: target)
            (status, text) = (.found, "Continue at the IdP.")
        } else if components?.path == "/callback" {
            let items = components?.queryItems ?? []
            deliver(.init(query: Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })))
            (status, text) = (.ok, "Gatehouse: sign-in received. You can close this tab.")
        } else {
            (status, text) = (.notFound, "Not found")
        }
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
