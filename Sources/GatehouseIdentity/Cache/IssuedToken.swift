import Foundation
import GatehouseCore

/// A token handed to a caller, with what audit and status may show about it.
public struct IssuedToken: Sendable, Equatable {
    /// The token itself. Never log it; `fingerprint` identifies it instead.
    public var value: String
    /// `Bearer`, or the RFC 8693 type of the token.
    public var tokenType: String
    public var issuedAt: Date
    public var expiresAt: Date
    /// Who the token stands for, from the person to the last identity: `alice@corp → sts → sa@proj`.
    public var chain: [String]

    /// A token with its metadata.
    public init(value: String, tokenType: String = "Bearer", issuedAt: Date, expiresAt: Date, chain: [String]) {
        self.value = value
        self.tokenType = tokenType
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.chain = chain
    }

    /// A short non-reversible id of the token for audit records.
    public var fingerprint: String { Redaction.fingerprint(value) }

    /// The chain as one line for audit and status.
    public var chainDescription: String { chain.joined(separator: " → ") }

}
