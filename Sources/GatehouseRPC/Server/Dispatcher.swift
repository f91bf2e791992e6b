import Foundation
import GatehouseCore
import Logging
import NIOCore

/// Runs requests against the method table and hands every outcome to the observer before answering.
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

    /// Serves one element of a frame; the future holds its response bytes, or nil for a notification.
    func dispatch(_ incoming: RPCIncoming, peer: PeerCredentials, channel: (any Channel)?, on eventLoop: any EventLoop)
        -> EventLoopFuture<[UInt8]?>
    {
        let startedAt = Date()
        let start = ContinuousClock.now
        switch incoming {
        case .invalid(let id, let error):
            let call = CompletedCall(
                startedAt: startedAt, durationMicros: 0, peer: peer, id: id, method: "rpc.invalid_request",
                params: nil, outcome: .failure(error), annotations: .init())
            return record(call, respondTo: id, on: eventLoop)
        case .request(let request):
            let annotations = CallAnnotations()
            let call = RPCCall(
                id: request.id, method: request.method, params: request.params, peer: peer,
                annotations: annotations, notifier: RPCNotifier(channel: channel))
            return run(call, on: eventLoop).flatMap { outcome in
                let completed = CompletedCall(
                    startedAt: startedAt, durationMicros: Self.micros(since: start), peer: peer, id: request.id,
                    method: request.method, params: request.params, outcome: outcome, annotations: annotations.fields)
                return record(completed, respondTo: request.id, on: eventLoop)
            }
        }
    }

    /// Records a frame that could not be read at all (not JSON, empty batch, too large) and returns its answer.
    func reject(_ error: RPCError, method: String, peer: PeerCredentials, on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
        let call = CompletedCall(
            startedAt: Date(), durationMicros: 0, peer: peer, id: .null, method: method, params: nil,
            outcome: .failure(error), annotations: .init())
        return record(call, respondTo: .null, on: eventLoop)
    }

    private func run(_ call: RPCCall, on eventLoop: any EventLoop) -> EventLoopFuture<Result<JSONValue, RPCError>> {
        guard let method = registry.method(named: call.method) else {
            return eventLoop.makeSucceededFuture(.failure(.methodNotFound(call.method)))
        }
        switch method.handler {
        case .immediate(let body):
            let result = Result { try body(call) }.mapError { rpcError(for: $0, method: call.method) }
            return eventLoop.makeSucceededFuture(result)
        case .async(let body):
            let promise = eventLoop.makePromise(of: JSONValue.self)
            promise.completeWithTask { try await body(call) }
            return promise.futureResult
                .map { Result<JSONValue, RPCError>.success($0) }
                .recover { .failure(rpcError(for: $0, method: call.method)) }
        }
    }

    private func record(_ call: CompletedCall, respondTo id: RPCID?, on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
        // The observer may complete on the audit writer's thread; the answer is encoded back on
        // the event loop so that single thread only commits.
        let recorded = eventLoop.makePromise(of: Result<Void, RPCError>.self)
        coalescers.coalescer(for: eventLoop).add(PendingRecord(call: call) { recorded.succeed($0) })
        return recorded.futureResult.map { recorded in
            guard let id else { return nil }
            var bytes: [UInt8] = []
            switch (recorded, call.outcome) {
            case (.failure(let auditError), _): RPCResponseWriter.error(auditError, id: id, into: &bytes)
            case (.success, .success(let result)): RPCResponseWriter.result(result, id: id, into: &bytes)
            case (.success, .failure(let error)): RPCResponseWriter.error(error, id: id, into: &bytes)
            }
            return bytes
        }
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
