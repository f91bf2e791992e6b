import NIOCore

/// Tells a refused peer why, and makes sure it can read that before the connection goes.
///
/// Closing right after the write loses the answer for most clients: a client that writes its
/// request first gets EPIPE, or its unread bytes make the close a reset. So the connection stays
/// open until the client's first frame has arrived (and is discarded, unread), it shuts its side,
/// or `linger` passes, whichever is first. Nothing is buffered: input is only scanned for a newline,
/// and at most `maxDiscard` bytes of it before giving up.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: [UInt8]
    private let linger: TimeAmount
    private let maxDiscard: Int
    private var discarded = 0
    private var answered = false
    private var closing = false
    private var lingerTimer: Scheduled<Void>?

    /// `answer` is the error response line, without its newline.
    init(answer: [UInt8], linger: TimeAmount, maxDiscard: Int) {
        self.answer = answer
        self.linger = linger
        self.maxDiscard = maxDiscard
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context: context)
        context.fireChannelActive()
    }

    private func answer(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        var buffer = context.channel.allocator.buffer(capacity: answer.count + 1)
        buffer.writeBytes(answer)
        buffer.writeInteger(UInt8(ascii: "\n"))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        let channel = context.channel
        lingerTimer = context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        discarded += bytes.readableBytes
        if bytes.readableBytesView.contains(UInt8(ascii: "\n")) || discarded > maxDiscard {
            close(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { close(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lingerTimer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context)
    }

    /// Closes once the answer has been written: writes complete in order, so an empty write that
    /// completes means the answer is in the client's receive buffer.
    private func close(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        lingerTimer?.cancel()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
