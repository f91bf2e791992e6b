import NIOCore

/// What the framing layer hands the connection handler.
enum FrameEvent {
    /// One line, without its `\n` (or `\r\n`).
    case frame(ByteBuffer)
    /// A line grew past the limit before its newline arrived.
    case tooLarge
}

/// Splits the byte stream at newlines, refusing lines longer than `limit` without buffering them.
struct NewlineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = FrameEvent

    let limit: Int
    /// How far into the readable bytes a newline has already been looked for.
    private var scanned = 0
    private var overflowed = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch nextEvent(in: &buffer) {
        case .event(let event):
            context.fireChannelRead(wrapInboundOut(event))
            return overflowed ? .needMoreData : .continue
        case .skipped:
            return .continue
        case .needMoreData:
            return .needMoreData
        }
    }

    /// What one decoding step found.
    enum Step {
        case event(FrameEvent)
        /// A blank line, consumed without an event.
        case skipped
        case needMoreData
    }

    /// Takes the next line (or the overflow) from `buffer`. Separate from `decode` so that it can be
    /// driven without a channel (the fuzzer does).
    mutating func nextEvent(in buffer: inout ByteBuffer) -> Step {
        if overflowed {
            // The connection is being closed; drop whatever else arrives.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scanned)
        guard let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > limit {
                overflowed = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .event(.tooLarge)
            }
            return .needMoreData
        }
        var length = newline - view.startIndex
        scanned = 0
        guard length <= limit else {
            overflowed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .event(.tooLarge)
        }
        if length > 0 && view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
        // Blank lines (a stray Enter in socat) are not requests.
        return line.readableBytes > 0 ? .event(.frame(line)) : .skipped
    }

    /// The line left without a newline at the end of the input, if any (it is still a request).
    mutating func lastLine(in buffer: inout ByteBuffer) -> ByteBuffer? {
        guard !overflowed, buffer.readableBytes > 0 else { return nil }
        return buffer.readSlice(length: buffer.readableBytes)
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final line without a newline (e.g. `printf '{...}' | socat`) is still a request.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if let line = lastLine(in: &buffer) { context.fireChannelRead(wrapInboundOut(.frame(line))) }
        return .needMoreData
    }
}
