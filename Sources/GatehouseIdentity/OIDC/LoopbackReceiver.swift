import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The redirect target of a native-app sign-in (RFC 8252 §7.3): an HTTP listener on
/// 127.0.0.1 at an ephemeral port that waits for the one request carrying `code` and `state`.
final class LoopbackReceiver: Sendable {
    /// What the browser brought back.
    struct Callback: Sendable {
        var query: [String: String]
    }

    /// `http://127.0.0.1:<port>/callback`.
    let redirectURI: String
    private let channel: any Channel
    private let stream: AsyncStream<Callback>
    private let continuation: AsyncStream<Callback>.Continuation

    private init(channel: any Channel, stream: AsyncStream<Callback>, continuation: AsyncStream<Callback>.Continuation) {
        self.channel = channel
        self.stream = stream
        self.continuation = continuation
        redirectURI = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/callback"
    }

    /// Binds 127.0.0.1:0 (never a wildcard address: the code must not be reachable from the network).
    static func start() async throws -> LoopbackReceiver {
        let (stream, continuation) = AsyncStream.makeStream(of: Callback.self, bufferingPolicy: .bufferingNewest(1))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(CallbackHandler(deliver: { continuation.yield($0) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackReceiver(channel: channel, stream: stream, continuation: continuation)
    }

    /// The first callback, or nil after `timeout` or cancellation.
    func next(timeout: TimeInterval) async -> Callback? {
        let timer = Task { [continuation] in
            try? await Task.sleep(for: .seconds(timeout))
            continuation.finish()
        }
        defer { timer.cancel() }
        for await callback in stream { return callback }
        return nil
    }

    /// Stops listening.
    func close() {
        continuation.finish()
        channel.close(promise: nil)
    }
}

/// Answers `GET /callback?...` with a short page and hands the query over; anything else gets 404.
private final class CallbackHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let deliver: @Sendable (LoopbackReceiver.Callback) -> Void

    init(deliver: @escaping @Sendable (LoopbackReceiver.Callback) -> Void) {
        self.deliver = deliver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let components = URLComponents(string: head.uri)
        let found = components?.path == "/callback"
        if found {
            let items = components?.queryItems ?? []
            deliver(.init(query: Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })))
        }
        let text = found ? "Gatehouse: sign-in received. You can close this tab." : "Not found"
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")])
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        let status: HTTPResponseStatus = found ? .ok : .notFound
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
