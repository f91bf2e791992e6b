import Foundation
import GatehouseCore
import GatehousePeer
import Logging
import NIOCore

/// Where one element's response goes: called once, on the connection's event loop, with the
/// response bytes (no newline), or nil for a notification.
typealias Reply = @Sendable (_ response: [UInt8]?) -> Void

/// Runs requests against the method table and hands every outcome to the observer before answering.
///
/// Callbacks rather than futures: every request passes through here, and a quick method
/// (`system.ping`, a cached read) would otherwise spend more on allocating and chaining futures
/// than on its own work.
struct Dispatcher: Sendable {
    let registry: MethodRegistry
    let observer: any CallObserver
    let logger: Logger
    private let coalescers: RecordCoalescers

    init(registry: MethodRegistry, observer: any CallObserver, logger: Logger) {
        self.registry = registry
        self.observer = observer
        self.logger = logger
        self.coalescers = RecordCoalescers(observer: observer)
    }

    /// The coalescer that records the calls served on `eventLoop`.
    func coalescer(for eventLoop: any EventLoop) -> RecordCoalescer {
        coalescers.coalescer(for: eventLoop)
    }

    /// Serves one element of a frame and answers through `reply` once its record is durable.
    func dispatch(_ incoming: RPCIncoming, peer: PeerCredentials, notifier: RPCNotifier, coalescer: RecordCoalescer, reply: @escaping Reply) {
        let startedAt = Date()
        switch incoming {
        case .invalid(let id, let error):
            let call = CompletedCall(
                startedAt: startedAt, durationMicros: 0, peer: peer, id: id, method: "rpc.invalid_request",
                params: nil, outcome: .failure(error), annotations: .init())
            record(call, respondTo: id, coalescer: coalescer, reply: reply)
        case .request(let request):
            let start = ContinuousClock.now
            let annotations = CallAnnotations()
            let finish: @Sendable (Result<JSONValue, RPCError>) -> Void = { outcome in
                let completed = CompletedCall(
                    startedAt: startedAt, durationMicros: Self.micros(since: start), peer: peer, id: request.id,
                    method: request.method, params: request.params, outcome: outcome, annotations: annotations.fields)
                record(completed, respondTo: request.id, coalescer: coalescer, reply: reply)
            }
            guard let method = registry.method(named: request.method) else {
                finish(.failure(.methodNotFound(request.method, suggestion: NearestName.closest(to: request.method, in: registry.all.map(\.name)))))
                return
            }
            // What system.methods advertises is what the method accepts.
            if let violation = ParamsValidation.violation(of: request.params, against: method.params) {
                finish(.failure(violation.rpcError))
                return
            }
            let call = RPCCall(
                id: request.id, method: request.method, params: request.params, peer: peer,
                annotations: annotations, notifier: notifier)
            switch method.handler {
            case .immediate(let body):
                finish(Result { try body(call) }.mapError { rpcError(for: $0, method: call.method) })
            case .async(let body):
                Task {
                    do {
                        finish(.success(try await body(call)))
                    } catch {
                        finish(.failure(rpcError(for: error, method: call.method)))
                    }
                }
            }
        }
    }

    /// Serves every request of one frame and answers the frame once through `reply`: one response,
    /// a batch's array of them (JSON-RPC 2.0 §6), or nil when there is nothing to answer.
    func respond(
        to frame: RPCFrame, peer: PeerCredentials, notifier: RPCNotifier, coalescer: RecordCoalescer, maxBatch: Int,
        reply: @escaping Reply
    ) {
        switch frame {
        case .unanswerable(let error):
            let marker = error.code == RPCErrorCode.parseError.rawValue ? "rpc.parse_error" : "rpc.invalid_request"
            reject(error, method: marker, peer: peer, coalescer: coalescer, reply: reply)
        case .single(let incoming):
            dispatch(incoming, peer: peer, notifier: notifier, coalescer: coalescer, reply: reply)
        case .batch(let elements):
            if elements.count > maxBatch {
                return reject(
                    .invalidRequest("batch of \(elements.count) requests exceeds the limit of \(maxBatch)"),
                    method: "rpc.invalid_request", peer: peer, coalescer: coalescer, reply: reply)
            }
            let answers = IndexedCollector<[UInt8]?>(count: elements.count, placeholder: nil)
            for (index, element) in elements.enumerated() {
                dispatch(element, peer: peer, notifier: notifier, coalescer: coalescer) { answer in
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

    /// Records a frame that could not be read at all (not JSON, empty batch, too large) and answers it.
    func reject(_ error: RPCError, method: String, peer: PeerCredentials, coalescer: RecordCoalescer, reply: @escaping Reply) {
        let call = CompletedCall(
            startedAt: Date(), durationMicros: 0, peer: peer, id: .null, method: method, params: nil,
            outcome: .failure(error), annotations: .init())
        record(call, respondTo: .null, coalescer: coalescer, reply: reply)
    }

    private func record(_ call: CompletedCall, respondTo id: RPCID?, coalescer: RecordCoalescer, reply: @escaping Reply) {
        // The coalescer runs this on the event loop, whichever thread committed the record, so the
        // single writer thread only commits and the response is encoded beside the connection.
        coalescer.add(
            PendingRecord(call: call) { recorded in
                guard let id else { return reply(nil) }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(64)
                switch (recorded, call.outcome) {
                case (.failure(let auditError), _): RPCResponseWriter.error(auditError, id: id, into: &bytes)
                case (.success, .success(let result)): RPCResponseWriter.result(result, id: id, into: &bytes)
                case (.success, .failure(let error)): RPCResponseWriter.error(error, id: id, into: &bytes)
                }
                reply(bytes)
            })
    }

    private func rpcError(for error: any Error, method: String) -> RPCError {
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcError }
        // Unknown errors may carry internals (paths, SQL); log them, send only a generic error.
        logger.error("method failed", metadata: ["method": "\(method)", "error": "\(error)"])
        return .internalError()
    }

    static func micros(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
    }
}
