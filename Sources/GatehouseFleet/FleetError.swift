/// Why a fleet message was refused; each names what happened in words a person can act on.
public enum FleetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The checkpoint text is not a signed note with an origin, size and hash.
    case malformedCheckpoint(String)

    /// A user-facing sentence.
    public var description: String {
        switch self {
        case .malformedCheckpoint(let reason): "malformed checkpoint: \(reason)"
        }
    }
}

/// Why the collector refused a host's shipment: a kind an auditor can filter on, and a sentence.
public struct ChainRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The classes of refusal; the raw value is stored with the alert.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The checkpoint is not signed by the key registered for the host.
        case badSignature = "bad_signature"
        /// The checkpoint names another host.
        case wrongOrigin = "wrong_origin"
        /// The checkpoint is smaller than the one already cosigned.
        case rollback
        /// Same size as the cosigned checkpoint, other head: a second history.
        case fork
        /// A record already stored arrives with other content.
        case rewrite
        /// A record's hash is not the hash of its canonical bytes, or it does not chain to the one before.
        case brokenChain = "broken_chain"
        /// Seqs are missing between the cosigned checkpoint and the batch, or inside it.
        case gap
        /// The batch does not end at the checkpoint it claims.
        case checkpointMismatch = "checkpoint_mismatch"
    }

    /// What happened.
    public let kind: Kind
    /// The sentence for people; names seqs, never record contents.
    public let message: String

    /// A refusal of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
