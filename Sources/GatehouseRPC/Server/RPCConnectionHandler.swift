import GatehouseCore
import Logging
import NIOCore

/// Serves one client connection: frames in, responses out, in the order each completes.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    private let peer: PeerCredentials
    private let dispatcher: Dispatcher
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

    init(peer: PeerCredentials, dispatcher: Dispatcher, state: ServerState, configuration: RPCServerConfiguration) {
        self.peer = peer
        self.dispatcher = dispatcher
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
            dispatcher.reject(.payloadTooLarge(limit: configuration.maxFrameBytes), method: "rpc.payload_too_large", peer: peer, on: context.eventLoop)
                .whenComplete { result in
                    guard case .success(let bytes?) = result else { channel.close(promise: nil); return }
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
        let eventLoop = context.eventLoop
        let channel = context.channel
        let answer: EventLoopFuture<[UInt8]?>
        if state.isShuttingDown {
            var bytes: [UInt8] = []
            RPCResponseWriter.error(
                RPCError(.shuttingDown, reason: "shutting_down", message: "The daemon is shutting down; retry when it is back"),
                id: .null, into: &bytes)
            answer = eventLoop.makeSucceededFuture(bytes)
        } else {
            answer = respond(to: RPCMessageParser.parse(frame.readableBytesView), channel: channel, on: eventLoop)
        }
        inFlight += 1
        state.requestStarted()
        let sequence = nextFrame
        nextFrame += 1
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        answer.whenComplete { result in
            let connection = handler.value
            connection.inFlight -= 1
            connection.state.requestFinished()
            if case .success(let bytes) = result {
                connection.finished[sequence] = bytes
            } else {
                connection.finished[sequence] = .some(nil)
            }
            var written = eventLoop.makeSucceededVoidFuture()
            while let ready = connection.finished.removeValue(forKey: connection.nextToWrite) {
                connection.nextToWrite += 1
                if let bytes = ready { written = Self.write(bytes, to: channel) }
            }
            if connection.inputClosed && connection.inFlight == 0 {
                written.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    private func respond(to frame: RPCFrame, channel: any Channel, on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
        switch frame {
        case .unanswerable(let error):
            let marker = error.code == RPCErrorCode.parseError.rawValue ? "rpc.parse_error" : "rpc.invalid_request"
            return dispatcher.reject(error, method: marker, peer: peer, on: eventLoop)
        case .single(let incoming):
            return dispatcher.dispatch(incoming, peer: peer, channel: channel, on: eventLoop)
        case .batch(let elements):
            if elements.count > configuration.maxBatch {
                return dispatcher.reject(
                    .invalidRequest("batch of \(elements.count) requests exceeds the limit of \(configuration.maxBatch)"),
                    method: "rpc.invalid_request", peer: peer, on: eventLoop)
            }
            let answers = elements.map { dispatcher.dispatch($0, peer: peer, channel: channel, on: eventLoop) }
            return EventLoopFuture.whenAllSucceed(answers, on: eventLoop).map { responses in
                let present = responses.compactMap { $0 }
                // A batch of notifications only gets no answer at all (JSON-RPC 2.0 §6).
                guard !present.isEmpty else { return nil }
                var bytes: [UInt8] = [UInt8(ascii: "[")]
                for (index, response) in present.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: response)
                }
                bytes.append(UInt8(ascii: "]"))
                return bytes
            }
        }
    }

    @discardableResult
    static func write(_ bytes: [UInt8], to channel: any Channel) -> EventLoopFuture<Void> {
        var buffer = channel.allocator.buffer(capacity: bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return channel.writeAndFlush(buffer)
    }
}
