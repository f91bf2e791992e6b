import Foundation
import GatehouseCore
import GatehousePeer

/// A finished call, as the observer (the audit log) sees it before the response is sent.
///
/// A class: it passes through the coalescer, the observer and the response encoder, and a copy
/// of a struct this size would retain each of its strings every time.
public final class CompletedCall: Sendable {
    public let startedAt: Date
    public let durationMicros: Int64
    public let peer: PeerCredentials
    /// nil for notifications and for requests whose id could not be read.
    public let id: RPCID?
    /// The method, or a marker such as `rpc.invalid` for malformed input.
    public let method: String
    public let params: JSONValue?
    public let outcome: Result<JSONValue, RPCError>
    public let annotations: CallAnnotations.Fields

    init(
        startedAt: Date, durationMicros: Int64, peer: PeerCredentials, id: RPCID?, method: String, params: JSONValue?,
        outcome: Result<JSONValue, RPCError>, annotations: CallAnnotations.Fields
    ) {
        self.startedAt = startedAt
        self.durationMicros = durationMicros
        self.peer = peer
        self.id = id
        self.method = method
        self.params = params
        self.outcome = outcome
        self.annotations = annotations
    }
}

/// A finished call waiting to be recorded, with what to do once it is (or is not).
public struct PendingRecord: Sendable {
    public let call: CompletedCall
    public let done: @Sendable (Result<Void, RPCError>) -> Void

    /// Pairs a call with its continuation.
    public init(call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        self.call = call
        self.done = done
    }
}

/// Sees every call and every refused connection. The server holds each response until
/// `record` completes, and answers with the observer's error instead if it fails: no record, no answer.
public protocol CallObserver: Sendable {
    /// Records a finished call; call `done` once it is durable.
    func record(_ call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void)
    /// Records the calls one event-loop turn finished, together (one commit); each `done` once durable.
    func record(batch: [PendingRecord])
    /// Records a connection the server refused (wrong uid, too many connections).
    func refused(peer: PeerCredentials, reason: String)
}

extension CallObserver {
    /// One by one, for observers with nothing to gain from batches.
    public func record(batch: [PendingRecord]) {
        for pending in batch { record(pending.call, done: pending.done) }
    }
}

/// An observer that records nothing: for tests of the protocol layer alone.
public struct NoCallObserver: CallObserver {
    /// Creates it.
    public init() {}
    public func record(_ call: CompletedCall, done: @escaping @Sendable (Result<Void, RPCError>) -> Void) { done(.success(())) }
    public func refused(peer: PeerCredentials, reason: String) {}
}
