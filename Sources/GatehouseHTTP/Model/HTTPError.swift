import Foundation

/// Why a call produced no HTTP response. Associated strings are scrubbed of secrets when built.
public enum HTTPError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidURL(String)
    case connectionFailed(upstream: String, detail: String)
    case timedOut(upstream: String, after: Duration)
    case circuitOpen(upstream: String, retryAt: Date)
    case responseTooLarge(upstream: String, limit: Int)
    case transport(upstream: String, detail: String)
    case undecodable(upstream: String, detail: String)
    /// The request cannot be sent as built (e.g. a header containing a line break, a body that does not encode).
    case invalidRequest(String)
    /// The calling task was cancelled before the call finished.
    case cancelled(upstream: String)

    /// True when the same call may succeed later, so a caller (e.g. an outbox) may queue it and retry.
    public var isRetryableLater: Bool {
        switch self {
        case .connectionFailed, .timedOut, .circuitOpen, .transport: true
        case .invalidURL, .responseTooLarge, .undecodable, .invalidRequest, .cancelled: false
        }
    }

    /// A message a user can act on; never contains secrets.
    public var description: String {
        switch self {
        case .invalidURL(let url):
            "invalid URL \(url): only absolute http:// and https:// URLs are supported"
        case .connectionFailed(let upstream, let detail):
            "could not connect to \(upstream): \(detail); check the upstream address, network and proxy settings"
        case .timedOut(let upstream, let after):
            "\(upstream) did not answer within \(Self.format(after)); it may be slow or unreachable, try again later"
        case .circuitOpen(let upstream, let retryAt):
            "\(upstream) is offline after repeated failures; next attempt allowed at \(retryAt.ISO8601Format())"
        case .responseTooLarge(let upstream, let limit):
            "the response from \(upstream) exceeded \(limit) bytes, the most Gatehouse reads from one answer; request less data"
        case .transport(let upstream, let detail):
            "the connection to \(upstream) failed during the exchange: \(detail)"
        case .undecodable(let upstream, let detail):
            "unexpected response from \(upstream): \(detail)"
        case .invalidRequest(let detail):
            "invalid request: \(detail)"
        case .cancelled(let upstream):
            "the call to \(upstream) was cancelled"
        }
    }

    private static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
