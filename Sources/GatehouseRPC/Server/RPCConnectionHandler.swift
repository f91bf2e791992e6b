import GatehouseCore
import Logging
import NIOCore
import GatehousePeer

/// Serves one client connection: frames in, responses out, in the order each completes.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    private let peer: PeerCredentials
    private let dispatcher: Dispatcher
    private let coalescer: RecordCoalescer
    private let state: ServerState
    private let configuration: RPCServerConfiguration
    private var inFlight = 0
    private var closing = false
    /// The client shut its writing side (`echo … | socat`): answer what came, then close.
    private var inputClosed = false
    /// Frames are answered in the order they arrived, like pipelined HTTP/1.1, even when a later one finishes first.
    private var nextFrame = 0
    private var nextToWrite = 0
    private var finished: [Int: [UInt8]?] = [:]

    init(peer: PeerCredentials, dispatcher: Dispatcher, eventLoop: any EventLoop, state: ServerState, configuration: RPCServerConfiguration) {
        self.peer = peer
        self.dispatcher = dispatcher
        self.coalescer = dispatcher.coalescer(for: eventLoop)
        self.state = state
        self.configuration = configuration
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.removeConnection(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .tooLarge:
            closing = true
            let channel = context.channel
            dispatcher.reject(
                .payloadTooLarge(limit: configuration.maxFrameBytes), method: "rpc.payload_too_large", peer: peer, coalescer: coalescer
            ) { bytes in
                guard let bytes else { channel.close(promise: nil); return }
                Self.write(bytes, to: channel).whenComplete { _ in channel.close(promise: nil) }
            }
        case .frame(let buffer):
            serve(frame: buffer, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if inFlight == 0 { context.close(promise: nil) }
            return
        }
        if event is IdleStateHandler.IdleStateEvent, inFlight == 0 {
            // An idle connection holds a slot of the connection limit; free it.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func serve(frame: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        inFlight += 1
        state.requestStarted()
        let sequence = nextFrame
        nextFrame += 1
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let reply: Reply = { bytes in handler.value.answered(sequence, with: bytes, on: channel) }
        if state.isShuttingDown {
            var bytes: [UInt8] = []
            RPCResponseWriter.error(
                RPCError(.shuttingDown, reason: "shutting_down", message: "The daemon is shutting down; retry when it is back"),
                id: .null, into: &bytes)
            reply(bytes)
        } else {
            respond(to: RPCMessageParser.parse(frame.readableBytesView), channel: channel, reply: reply)
        }
    }

    /// Frame `sequence` is answered: write it, and any later ones that were waiting for it, in order.
    private func answered(_ sequence: Int, with bytes: [UInt8]?, on channel: any Channel) {
        inFlight -= 1
        state.requestFinished()
        if sequence == nextToWrite && finished.isEmpty {
            nextToWrite += 1
            if let bytes { Self.write(bytes, to: channel, promise: nil) }
        } else {
            finished[sequence] = .some(bytes)
            while let ready = finished.removeValue(forKey: nextToWrite) {
                nextToWrite += 1
                if let bytes = ready { Self.write(bytes, to: channel, promise: nil) }
            }
        }
        if inputClosed && inFlight == 0 {
            // Writes complete in order, so once this empty write is done every answer has left.
            channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func respond(to frame: RPCFrame, channel: any Channel, reply: @escaping Reply) {
        switch frame {
        case .unanswerable(let error):
            let marker = error.code == RPCErrorCode.parseError.rawValue ? "rpc.parse_error" : "rpc.invalid_request"
            dispatcher.reject(error, method: marker, peer: peer, coalescer: coalescer, reply: reply)
        case .single(let incoming):
            dispatcher.dispatch(incoming, peer: peer, notifier: RPCNotifier(channel: channel), coalescer: coalescer, reply: reply)
        case .batch(let elements):
            if elements.count > configuration.maxBatch {
                return dispatcher.reject(
                    .invalidRequest("batch of \(elements.count) requests exceeds the limit of \(configuration.maxBatch)"),
                    method: "rpc.invalid_request", peer: peer, coalescer: coalescer, reply: reply)
            }
            let answers = IndexedCollector<[UInt8]?>(count: elements.count, placeholder: nil)
            let notifier = RPCNotifier(channel: channel)
            for (index, element) in elements.enumerated() {
                dispatcher.dispatch(element, peer: peer, notifier: notifier, coalescer: coalescer) { answer in
                    guard let all = answers.set(index, answer) else { return }
                    reply(Self.batchResponse(all))
                }
            }
        }
    }

    /// The answer to a batch frame: its members' answers as one array, or nothing when all were
    /// notifications (JSON-RPC 2.0 §6).
    private static func batchResponse(_ answers: [[UInt8]?]) -> [UInt8]? {
        let present = answers.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, response) in present.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: response)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    /// Writes one response line.
    static func write(_ bytes: [UInt8], to channel: any Channel, promise: EventLoopPromise<Void>?) {
        var buffer = channel.allocator.buffer(capacity: bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        channel.writeAndFlush(buffer, promise: promise)
    }

    /// Writes one response line; the future completes once it is written.
    @discardableResult
    static func write(_ bytes: [UInt8], to channel: any Channel) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        write(bytes, to: channel, promise: promise)
        return promise.futureResult
    }
}
