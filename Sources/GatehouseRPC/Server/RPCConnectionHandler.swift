import GatehouseCore
import GatehousePeer
import Logging
import NIOCore

/// Serves one client connection: frames in, responses out, in the order the frames arrived.
///
/// Backpressure: while the connection's answers that have not reached the socket exceed
/// `maxUnsentAnswers` or `maxUnsentBytes`, no more requests are read from it; frames already
/// decoded wait in a small queue (at most one socket read's worth). Reading resumes as the client
/// reads its answers. A client that reads nothing therefore holds a bounded amount of memory, and
/// one that makes no progress for the idle timeout is closed (and audited).
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let peer: PeerCredentials
    private let dispatcher: Dispatcher
    private let coalescer: RecordCoalescer
    private let state: ServerState
    private let configuration: RPCServerConfiguration
    private var context: ChannelHandlerContext?
    private var inFlight = 0
    private var closing = false
    /// The client shut its writing side (`echo … | socat`): answer what came, then close.
    private var inputClosed = false
    /// Frames are answered in the order they arrived, like pipelined HTTP/1.1, even when a later one finishes first.
    private var nextFrame = 0
    private var nextToWrite = 0
    private var finished: [Int: (bytes: [UInt8]?, requests: Int)] = [:]
    private var backlog = OutputBacklog()
    /// Frames decoded while reading was paused, in arrival order.
    private var waitingFrames = CircularBuffer<FrameEvent>()
    /// The channel asked for a read while paused; it is passed on once the backlog shrinks.
    private var readDeferred = false
    private var draining = false
    /// Frames served in this event-loop turn, and whether a later turn will serve the waiting ones.
    private var framesThisTurn = 0
    private var drainScheduled = false
    /// The most frames of one connection served in one event-loop turn. One socket read can hold
    /// a thousand pipelined requests; served in one go, they would keep every other connection
    /// waiting (seen: a ping waited seconds behind a burst of `system.methods`). The rest wait for
    /// the next turn, after the other connections' reads; request/response clients never reach it.
    static let framesPerTurn = 64

    init(peer: PeerCredentials, dispatcher: Dispatcher, eventLoop: any EventLoop, state: ServerState, configuration: RPCServerConfiguration) {
        self.peer = peer
        self.dispatcher = dispatcher
        self.coalescer = dispatcher.coalescer(for: eventLoop)
        self.state = state
        self.configuration = configuration
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        waitingFrames.removeAll()
        state.removeConnection(context.channel)
        context.fireChannelInactive()
    }

    /// Too much output is waiting for the client: read no more requests until it shrinks.
    private var isPaused: Bool {
        backlog.answers >= configuration.maxUnsentAnswers || backlog.bytes >= configuration.maxUnsentBytes
    }

    func read(context: ChannelHandlerContext) {
        if isPaused || !waitingFrames.isEmpty {
            readDeferred = true
        } else {
            context.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let event = unwrapInboundIn(data)
        if isPaused || !waitingFrames.isEmpty || framesThisTurn >= Self.framesPerTurn {
            waitingFrames.append(event)
            if !isPaused { scheduleDrain(on: context.eventLoop) }
        } else {
            framesThisTurn += 1
            handle(event, channel: context.channel)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        framesThisTurn = 0
        context.fireChannelReadComplete()
    }

    private func handle(_ event: FrameEvent, channel: any Channel) {
        switch event {
        case .tooLarge:
            closing = true
            waitingFrames.removeAll()
            dispatcher.reject(
                .payloadTooLarge(limit: configuration.maxFrameBytes), method: "rpc.payload_too_large", peer: peer, coalescer: coalescer
            ) { bytes in
                guard let bytes else {
                    channel.close(promise: nil)
                    return
                }
                Self.write(bytes, to: channel).whenComplete { _ in channel.close(promise: nil) }
            }
        case .frame(let buffer):
            serve(frame: buffer, channel: channel)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            closeIfInputDone(channel: context.channel)
            return
        }
        if event is IdleStateHandler.IdleStateEvent {
            // Neither a read nor a completed write for the whole idle timeout.
            if backlog.bytesInChannel > 0 {
                closeStalled(reason: "the client read none of its \(backlog.bytesInChannel) unsent bytes for \(configuration.idleTimeout)")
            } else if inFlight == 0 && waitingFrames.isEmpty {
                // An idle connection holds a slot of the connection limit; free it.
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func serve(frame: ByteBuffer, channel: any Channel) {
        let parsed = state.isShuttingDown ? nil : RPCMessageParser.parse(frame.readableBytesView)
        // A batch counts as its requests: each may answer as much as a request of its own.
        let requests: Int
        if case .batch(let elements)? = parsed, elements.count <= configuration.maxBatch {
            requests = elements.count
        } else {
            requests = 1
        }
        inFlight += 1
        backlog.answers += requests
        state.requestStarted()
        let sequence = nextFrame
        nextFrame += 1
        let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let reply: Reply = { bytes in handler.value.answered(sequence, with: bytes, requests: requests, on: channel) }
        if let parsed {
            dispatcher.respond(
                to: parsed, peer: peer, notifier: notificationSink(for: channel), coalescer: coalescer,
                maxBatch: configuration.maxBatch, reply: reply)
        } else {
            var bytes: [UInt8] = []
            RPCResponseWriter.error(
                RPCError(.shuttingDown, reason: "shutting_down", message: "The daemon is shutting down; retry when it is back"),
                id: .null, into: &bytes)
            reply(bytes)
        }
    }

    /// Frame `sequence` is answered: write it, and any later ones that were waiting for it, in order.
    private func answered(_ sequence: Int, with bytes: [UInt8]?, requests: Int, on channel: any Channel) {
        inFlight -= 1
        state.requestFinished()
        backlog.bytes += bytes?.count ?? 0
        if sequence == nextToWrite && finished.isEmpty {
            nextToWrite += 1
            send(answer: bytes, requests: requests, on: channel)
        } else {
            finished[sequence] = (bytes, requests)
            while let ready = finished.removeValue(forKey: nextToWrite) {
                nextToWrite += 1
                send(answer: ready.bytes, requests: ready.requests, on: channel)
            }
        }
        closeIfInputDone(channel: channel)
    }

    /// Writes the answer to a frame of `requests` requests (nil: notifications only, nothing to
    /// write) and keeps the backlog's count.
    private func send(answer bytes: [UInt8]?, requests: Int, on channel: any Channel) {
        guard let bytes else {
            backlog.answers -= requests
            resumeIfPossible()
            return
        }
        write(bytes, on: channel, answering: requests)
    }

    private func write(_ bytes: [UInt8], on channel: any Channel, answering requests: Int) {
        let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let size = bytes.count
        backlog.bytesInChannel += size
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in handler.value.written(size, answering: requests) }
        Self.write(bytes, to: channel, promise: promise)
    }

    /// `size` bytes reached the socket (or the connection closed): the backlog shrinks.
    private func written(_ size: Int, answering requests: Int) {
        backlog.bytes -= size
        backlog.bytesInChannel -= size
        backlog.answers -= requests
        resumeIfPossible()
    }

    /// Serves the frames that waited (up to this turn's share), then reads again, for as long as the backlog allows.
    private func resumeIfPossible() {
        guard !draining, !closing, let context else { return }
        draining = true
        defer { draining = false }
        while !isPaused, !closing, framesThisTurn < Self.framesPerTurn, let event = waitingFrames.popFirst() {
            framesThisTurn += 1
            handle(event, channel: context.channel)
        }
        if !isPaused, !closing, !waitingFrames.isEmpty {
            scheduleDrain(on: context.eventLoop)
            return
        }
        if !isPaused, waitingFrames.isEmpty, readDeferred, !closing {
            readDeferred = false
            context.read()
        }
        closeIfInputDone(channel: context.channel)
    }

    /// Serves more waiting frames in a later turn of the event loop, with a fresh share.
    private func scheduleDrain(on eventLoop: any EventLoop) {
        guard !drainScheduled else { return }
        drainScheduled = true
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            let this = handler.value
            this.drainScheduled = false
            this.framesThisTurn = 0
            this.resumeIfPossible()
        }
    }

    private func closeIfInputDone(channel: any Channel) {
        guard inputClosed, inFlight == 0, waitingFrames.isEmpty, !closing else { return }
        closing = true
        // Writes complete in order, so once this empty write is done every answer has left.
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Sends a server notification (from `RPCNotifier`). A stream whose reader has stopped reading
    /// is not allowed to grow the backlog past its bound: the connection is closed and audited instead.
    fileprivate func notify(_ bytes: [UInt8]) {
        guard !closing, let context else { return }
        guard backlog.bytes + bytes.count <= configuration.maxUnsentBytes else {
            closeStalled(reason: "the client stopped reading its notifications (\(backlog.bytes) bytes unsent)")
            return
        }
        backlog.bytes += bytes.count
        write(bytes, on: context.channel, answering: 0)
    }

    /// Closes a connection whose client does not read its output, and audits why.
    private func closeStalled(reason: String) {
        guard !closing, let context else { return }
        closing = true
        waitingFrames.removeAll()
        let error = RPCError(
            .busy, reason: "client_not_reading", message: "Connection closed: \(reason)",
            extra: ["unsentBytes": .int(Int64(backlog.bytes)), "unsentAnswers": .int(Int64(backlog.answers))])
        dispatcher.reject(error, method: "rpc.connection_stalled", peer: peer, coalescer: coalescer) { _ in }
        context.close(promise: nil)
    }

    /// The sink `RPCNotifier` writes through, usable from any thread.
    private func notificationSink(for channel: any Channel) -> RPCNotifier {
        let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let eventLoop = channel.eventLoop
        return RPCNotifier(channel: channel) { bytes in
            if eventLoop.inEventLoop {
                handler.value.notify(bytes)
            } else {
                eventLoop.execute { handler.value.notify(bytes) }
            }
        }
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

/// A connection's output that has not reached its socket yet.
struct OutputBacklog {
    /// Requests read but not yet answered on the socket: in flight, waiting for an earlier one, or unsent.
    var answers = 0
    /// Bytes of answers and notifications produced but not yet written to the socket.
    var bytes = 0
    /// The part of `bytes` already handed to the channel: only the client reading can shrink it.
    var bytesInChannel = 0
}
