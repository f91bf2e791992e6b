import Foundation
import GatehouseCore
import Synchronization

/// What the sandbox saw of one request, for `GET /admin/requests`.
public struct LoggedRequest: Sendable, Codable, Hashable {
    /// Which upstream answered.
    public var upstream: SandboxUpstream
    /// HTTP method.
    public var method: String
    /// Path and query (query values of secret parameters redacted).
    public var path: String
    /// Status answered; nil when the connection was closed without an answer.
    public var status: Int?
    /// Wall-clock time the request arrived.
    public var time: Date
    /// Sandbox-clock time the request arrived.
    public var sandboxTime: Date
    /// The fault that shaped the answer, if any.
    public var fault: String?
}

/// A bounded, thread-safe log of recent requests across upstreams.
public final class RequestLog: Sendable {
    private let entries = Mutex<[LoggedRequest]>([])
    private let arrived = Mutex<[SandboxUpstream: Int]>([:])
    private let capacity: Int

    /// A log keeping the latest `capacity` requests.
    public init(capacity: Int = 10_000) { self.capacity = capacity }

    func append(_ entry: LoggedRequest) {
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Counts a request the moment it arrives, before any fault delays it (the log has it only once answered).
    func noteArrival(on upstream: SandboxUpstream) {
        arrived.withLock { $0[upstream, default: 0] += 1 }
    }

    /// How many requests have reached `upstream`, answered or not: lets a test act while one is on the wire.
    public func arrivals(on upstream: SandboxUpstream) -> Int {
        arrived.withLock { $0[upstream] ?? 0 }
    }

    /// Requests in arrival order, optionally only one upstream's.
    public func recent(upstream: SandboxUpstream? = nil, limit: Int = .max) -> [LoggedRequest] {
        let all = entries.withLock { $0 }
        let chosen = upstream.map { wanted in all.filter { $0.upstream == wanted } } ?? all
        return Array(chosen.suffix(limit))
    }

    /// Forgets every entry.
    public func clear() { entries.withLock { $0.removeAll() } }

    /// Path plus query with secret parameter values replaced, so the log never holds secrets.
    static func loggablePath(path: String, query: String?) -> String {
        let redacted = redactedQuery(query)
        return redacted.isEmpty ? path : path + "?" + redacted
    }

    /// The query, decoded, with secret parameter values replaced.
    static func redactedQuery(_ query: String?) -> String {
        JSONResponse.queryItems(query).map { item in
            "\(item.name)=\(Redaction.isSecret(name: item.name) ? Redaction.placeholder : item.value)"
        }.joined(separator: "&")
    }
}
