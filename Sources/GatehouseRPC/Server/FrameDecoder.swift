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
                context.fireChannelRead(wrapInboundOut(.tooLarge))
            }
            return .needMoreData
        }
        var length = newline - view.startIndex
        scanned = 0
        guard length <= limit else {
            overflowed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(wrapInboundOut(.tooLarge))
            return .needMoreData
        }
        if length > 0 && view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
        // Blank lines (a stray Enter in socat) are not requests.
        if line.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.frame(line))) }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final line without a newline (e.g. `printf '{...}' | socat`) is still a request.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !overflowed, buffer.readableBytes > 0 {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(wrapInboundOut(.frame(line)))
        }
        return .needMoreData
    }
}
