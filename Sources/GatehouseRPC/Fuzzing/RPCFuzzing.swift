import Foundation
import GatehouseCore
import GatehousePeer
import Logging
import NIOCore
import NIOPosix

/// The server's internals as the libFuzzer targets (`scripts/fuzz.sh`) drive them, without a
/// socket. Not API: each function checks the invariants the server relies on and traps when one
/// breaks, which is what the fuzzer reports.
@_spi(Fuzzing) public enum RPCFuzzing {
    /// Feeds `input` to the frame decoder in reads of varying size, as a socket might deliver it,
    /// and parses every frame. Checks that the frames are exactly the input's non-blank lines (or
    /// that an over-long one ends the stream), and that parsing ids keeps their exact text.
    public static func decodeAndParse(_ input: [UInt8], limit: Int = 4096) {
        var decoder = NewlineFrameDecoder(limit: limit)
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        var frames: [[UInt8]] = []
        var overflowed = false
        // The first byte picks the read size, so the fuzzer explores splits as well as contents.
        let readSize = max(1, Int(input.first ?? 1) % 64 + 1)
        var offset = 0
        func drain() {
            while true {
                switch decoder.nextEvent(in: &buffer) {
                case .event(.frame(let line)): frames.append(Array(line.readableBytesView))
                case .event(.tooLarge):
                    overflowed = true
                    return
                case .skipped: continue
                case .needMoreData: return
                }
            }
        }
        while offset < input.count, !overflowed {
            let end = min(input.count, offset + readSize)
            buffer.writeBytes(input[offset..<end])
            offset = end
            drain()
            // What a connection may hold unframed stays within the limit plus one read.
            precondition(overflowed || buffer.readableBytes <= limit + readSize, "decoder buffered past its limit")
        }
        if !overflowed, let last = decoder.lastLine(in: &buffer) { frames.append(Array(last.readableBytesView)) }

        let segments = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // A line's `\r\n` ending loses its `\r`; the unterminated last line is taken as it is (JSON ignores a `\r`).
        let expected = segments.enumerated().map { index, line -> [UInt8] in
            index < segments.count - 1 && line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : Array(line)
        }
        let lines = expected.filter { !$0.isEmpty }
        if overflowed {
            precondition(expected.contains { $0.count > limit }, "a frame within the limit was refused as too large")
            precondition(zip(frames, lines).allSatisfy(==), "frames before the overflow differ from the lines")
        } else {
            precondition(frames == lines, "frames differ from the input's lines")
        }
        for frame in frames { checkParse(frame) }
    }

    /// Parses one frame and checks what the server would echo: every number id's text parses back
    /// to the same number, and a request's answer (written by the response writer) is JSON.
    static func checkParse(_ frame: [UInt8]) {
        let incoming: [RPCIncoming]
        switch RPCMessageParser.parse(frame) {
        case .unanswerable: return
        case .single(let one): incoming = [one]
        case .batch(let many): incoming = many
        }
        for element in incoming {
            let id: RPCID
            switch element {
            case .request(let request): id = request.id ?? .null
            case .invalid(let invalid, _): id = invalid
            }
            var out: [UInt8] = []
            RPCResponseWriter.result(.null, id: id, into: &out)
            guard let echoed = try? JSONParser.parse(out) else { preconditionFailure("an answer is not JSON") }
            if case .number(let text) = id {
                precondition(echoed["id"] == (try? JSONParser.parse(Array(text.utf8))), "an echoed id changed")
            }
        }
    }

    /// Parses `input`; when it is JSON, its canonical form must parse back to the same value and
    /// be written again byte for byte the same (the audit chain hashes those bytes).
    public static func canonicalRoundTrip(_ input: [UInt8]) {
        guard let value = try? JSONParser.parse(input) else { return }
        let canonical = JSONWriter.bytes(value, sortedKeys: true)
        guard let reparsed = try? JSONParser.parse(canonical) else { preconditionFailure("canonical form is not JSON") }
        precondition(JSONWriter.bytes(reparsed, sortedKeys: true) == canonical, "canonical form is not stable")
        precondition(value.canonicalString == String(decoding: canonical, as: UTF8.self), "canonicalString differs from the writer")
        // Only a number's type may change (a double that is a whole number is written as an integer).
        precondition(sameMeaning(value, reparsed), "a value changed in the round trip")
        let unsorted = JSONWriter.bytes(value, sortedKeys: false)
        precondition((try? JSONParser.parse(unsorted)).map { JSONWriter.bytes($0) } == canonical, "the unsorted form says something else")
    }

    /// Equal, counting an integer and a double of the same value as equal.
    static func sameMeaning(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { sameMeaning($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { sameMeaning(value, $0) } ?? false }
        case (.int, .double), (.double, .int), (.double, .double):
            return lhs.doubleValue == rhs.doubleValue
        default:
            return lhs == rhs
        }
    }

    /// A dispatcher with a small table of test methods on one event loop, answering whole frames.
    public final class DispatchHarness: Sendable {
        private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        private let dispatcher: Dispatcher
        private let coalescer: RecordCoalescer
        private let peer = PeerCredentials(uid: getuid(), gid: getgid(), pid: getpid(), executable: nil)

        /// Sets up the methods `echo`, `sum`, `fail`, `crash`, `slow` and `notify`.
        public init() {
            var registry = MethodRegistry()
            registry.register([
                RPCMethod("echo", summary: "params back", handler: .immediate { call in call.params ?? .null }),
                RPCMethod(
                    "sum", summary: "sum",
                    handler: .immediate { call in
                        .int((call.params?.arrayValue ?? []).compactMap(\.intValue).reduce(0, &+))
                    }),
                RPCMethod("fail", summary: "invalid params", handler: .immediate { _ in throw RPCError.invalidParams("always") }),
                RPCMethod("crash", summary: "an unknown error", handler: .immediate { _ in throw CocoaError(.fileNoSuchFile) }),
                RPCMethod(
                    "slow", summary: "async echo",
                    handler: .async { call in
                        await Task.yield()
                        return call.params ?? .null
                    }),
                RPCMethod(
                    "typed", summary: "decoded params",
                    handler: .immediate { call in
                        struct Params: Decodable {
                            let name: String
                            let count: Int?
                        }
                        let params: Params = try call.decodeParams()
                        return .string(params.name)
                    }),
            ])
            var logger = Logger(label: "fuzz")
            logger.logLevel = .critical
            dispatcher = Dispatcher(registry: registry, observer: NoCallObserver(), logger: logger)
            coalescer = dispatcher.coalescer(for: group.next())
        }

        /// Answers one frame as the server would and checks the answer's JSON-RPC shape.
        public func serve(_ frame: [UInt8]) {
            let parsed = RPCMessageParser.parse(frame)
            let loop = coalescer.eventLoop
            let promise = loop.makePromise(of: [UInt8]?.self)
            let dispatcher = self.dispatcher
            let coalescer = self.coalescer
            let peer = self.peer
            loop.execute {
                dispatcher.respond(
                    to: parsed, peer: peer, notifier: .detached, coalescer: coalescer, maxBatch: 100, reply: { promise.succeed($0) })
            }
            let answer: [UInt8]?
            do {
                answer = try promise.futureResult.wait()
            } catch {
                preconditionFailure("no answer: \(error)")
            }
            let expectsAnswer: Bool
            switch parsed {
            case .unanswerable: expectsAnswer = true
            case .single(.request(let request)): expectsAnswer = request.id != nil
            case .single(.invalid): expectsAnswer = true
            case .batch(let elements):
                expectsAnswer =
                    elements.count > 100
                    || elements.contains {
                        if case .request(let request) = $0 { return request.id != nil }
                        return true
                    }
            }
            guard let answer else {
                precondition(!expectsAnswer, "a request went unanswered")
                return
            }
            precondition(expectsAnswer, "a notification was answered")
            guard let value = try? JSONParser.parse(answer) else { preconditionFailure("the answer is not JSON") }
            for response in value.arrayValue ?? [value] {
                precondition(response["jsonrpc"] == "2.0", "an answer without jsonrpc 2.0")
                precondition((response["result"] == nil) != (response["error"] == nil), "an answer needs exactly one of result and error")
                precondition(response["id"] != nil, "an answer without an id")
            }
        }

        deinit { try? group.syncShutdownGracefully() }
    }
}
