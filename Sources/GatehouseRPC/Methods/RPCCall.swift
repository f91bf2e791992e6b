import Foundation
import GatehouseCore
import GatehousePeer
import GatehouseStore
import Synchronization

/// Everything a method handler knows about the call it is serving.
public struct RPCCall: Sendable {
    /// The request id (nil for a notification).
    public let id: RPCID?
    /// The method name.
    public let method: String
    /// The params as sent (array, object, or nil).
    public let params: JSONValue?
    /// Who is calling, from the kernel.
    public let peer: PeerCredentials
    /// Facts the handler adds for the audit record (principal, entity, decision...).
    public let annotations: CallAnnotations
    /// Sends server notifications on the caller's connection (for streaming methods).
    public let notifier: RPCNotifier

    /// The params decoded as `T`; a mismatch is an invalid-params error naming the field.
    public func decodeParams<T: Decodable>(_ type: T.Type = T.self) throws(RPCError) -> T {
        let value: JSONValue = params ?? .object([:])
        do {
            return try value.decode(as: T.self)
        } catch let error as DecodingError {
            throw .invalidParams(Self.describe(error))
        } catch {
            throw .invalidParams("\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "params" : "params." + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(Self.name(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)) must be \(Self.name(type)), not null"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "params do not fit the method"
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// What the audit record should say about a call beyond method and params. Handlers fill it in.
public final class CallAnnotations: Sendable {
    /// The fields, set by the handler while it runs.
    public struct Fields: Sendable {
        public var principal: String?
        public var entity: String?
        /// `allow`, `deny` or `pending`; nil when no policy question was asked.
        public var decision: String?
        public var rule: String?
        public var callerClass: String?
        public var detail: [String: JSONValue] = [:]
        /// A write that must commit in the same transaction as the call's audit record (e.g. a job's
        /// outbox row): both are kept, or neither, and the answer leaves only after the commit.
        public var stateChange: BatchWriter.Work?
    }

    private let storage = Mutex(Fields())

    /// Empty annotations.
    public init() {}

    /// Changes the fields under the lock.
    public func update(_ change: (inout Fields) -> Void) {
        storage.withLock { change(&$0) }
    }

    /// A copy of the fields.
    public var fields: Fields { storage.withLock { $0 } }
}
