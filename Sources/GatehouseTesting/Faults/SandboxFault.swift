/// One injected misbehaviour of an upstream, set through the admin API or `--fault` flags.
///
/// Counted faults (`status`, `ratelimit`, `garbage`, `reset-after-body`, `drop-on-page`,
/// `expire-tokens`) affect the next `count` matching requests (default 1); `down`, `slow` and
/// `revoke` last until cleared.
public struct SandboxFault: Codable, Sendable, Hashable {
    /// The kinds of misbehaviour.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The listener is closed: connections are refused.
        case down
        /// Every request waits `milliseconds` before being handled.
        case slow
        /// The next `count` requests answer `status` (default 503).
        case status
        /// The next `count` requests answer 429 with `Retry-After: retryAfter`.
        case ratelimit
        /// The next `count` requests answer 200 with a truncated, non-parsable body.
        case garbage
        /// The next `count` requests are handled (body read, work done) and the connection is then closed unanswered.
        case resetAfterBody = "reset-after-body"
        /// Backstage: the connection is dropped when page `page` (1-based) of a paginated read is requested.
        case dropOnPage = "drop-on-page"
        /// The next `count` authenticated requests are refused as if the token had expired (Looker also forgets its sessions).
        case expireTokens = "expire-tokens"
        /// Every authenticated request is refused as revoked until cleared.
        case revoke
    }

    /// What misbehaviour.
    public var kind: Kind
    /// How many requests it affects; nil means the kind's default (1 for counted kinds, unlimited otherwise).
    public var count: Int?
    /// Delay for `slow`.
    public var milliseconds: Int?
    /// Status for `status` (default 503).
    public var status: Int?
    /// Seconds for the `Retry-After` header of `ratelimit` (default 1).
    public var retryAfter: Int?
    /// Page number (1-based) for `drop-on-page` (default 2).
    public var page: Int?

    /// A fault with its parameters.
    public init(kind: Kind, count: Int? = nil, milliseconds: Int? = nil, status: Int? = nil, retryAfter: Int? = nil, page: Int? = nil) {
        self.kind = kind
        self.count = count
        self.milliseconds = milliseconds
        self.status = status
        self.retryAfter = retryAfter
        self.page = page
    }

    /// True when the fault lasts until cleared rather than for a number of requests.
    var isPersistent: Bool {
        switch kind {
        case .down, .slow, .revoke: count == nil
        default: false
        }
    }

    /// Requests still affected (persistent faults report nil).
    var remaining: Int? { isPersistent ? nil : max(count ?? 1, 0) }
}

/// A `--fault` flag or admin text could not be read.
public struct SandboxFaultParseError: Error, CustomStringConvertible {
    /// The text that failed.
    public var text: String
    /// What is wrong with it.
    public var reason: String
    public var description: String {
        "Cannot read fault '\(text)': \(reason). Use UPSTREAM=KIND[:ARG[:COUNT]], e.g. dataproc=status:503:2, looker=slow:250, "
            + "backstage=drop-on-page:2, dataproc=reset-after-body:1, sts=down. Upstreams: "
            + SandboxUpstream.faultable.map(\.rawValue).joined(separator: ", ") + "; kinds: "
            + SandboxFault.Kind.allCases.map(\.rawValue).joined(separator: ", ") + "."
    }
}

extension SandboxFault {
    /// Parses `UPSTREAM=KIND[:ARG[:COUNT]]` as used by `gatehouse-sandbox --fault`.
    ///
    /// ARG is the delay in ms for `slow`, the status for `status`, Retry-After seconds for
    /// `ratelimit`, the page for `drop-on-page`, and the count for the other counted kinds.
    public static func parse(_ text: String) throws -> (SandboxUpstream, SandboxFault) {
        let sides = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard sides.count == 2, let upstream = SandboxUpstream(rawValue: sides[0].lowercased()), upstream != .admin else {
            throw SandboxFaultParseError(text: text, reason: "unknown upstream")
        }
        let parts = sides[1].split(separator: ":").map(String.init)
        guard let kindText = parts.first, let kind = Kind(rawValue: kindText.lowercased()) else {
            throw SandboxFaultParseError(text: text, reason: "unknown kind")
        }
        var numbers: [Int] = []
        for part in parts.dropFirst() {
            guard let number = Int(part), number >= 0 else {
                throw SandboxFaultParseError(text: text, reason: "'\(part)' is not a non-negative integer")
            }
            numbers.append(number)
        }
        let first = numbers.first
        let second = numbers.count > 1 ? numbers[1] : nil
        let fault: SandboxFault
        switch kind {
        case .slow: fault = SandboxFault(kind: kind, count: second, milliseconds: first ?? 1000)
        case .status: fault = SandboxFault(kind: kind, count: second, status: first ?? 503)
        case .ratelimit: fault = SandboxFault(kind: kind, count: second, retryAfter: first ?? 1)
        case .dropOnPage: fault = SandboxFault(kind: kind, count: second, page: first ?? 2)
        case .down, .revoke: fault = SandboxFault(kind: kind, count: first)
        case .garbage, .resetAfterBody, .expireTokens: fault = SandboxFault(kind: kind, count: first)
        }
        return (upstream, fault)
    }
}
