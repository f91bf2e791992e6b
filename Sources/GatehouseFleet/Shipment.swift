import Foundation
import GatehouseAudit

/// What a host sends the collector: a run of its audit records and the checkpoint they end at.
public struct Shipment: Sendable, Codable, Equatable {
    /// The host's signed checkpoint (signed-note text) at the last record of `records`.
    public var checkpoint: String
    /// Consecutive records, oldest first, exactly as stored on the host.
    public var records: [AuditRecord]

    /// A shipment of `records` ending at `checkpoint`.
    public init(checkpoint: String, records: [AuditRecord]) {
        self.checkpoint = checkpoint
        self.records = records
    }
}

/// The collector's answer to an accepted shipment.
public struct ShipmentReceipt: Sendable, Codable, Equatable {
    /// The checkpoint with the witness's cosignature (signed-note text).
    public var checkpoint: String
    /// Records newly stored (0 when everything had arrived before).
    public var stored: Int

    /// A receipt.
    public init(checkpoint: String, stored: Int) {
        self.checkpoint = checkpoint
        self.stored = stored
    }
}

/// The body of any refused request: `{"error": {"kind": …, "message": …}}`.
public struct FleetErrorBody: Sendable, Codable, Equatable {
    /// The kind and sentence.
    public struct Detail: Sendable, Codable, Equatable {
        /// A detail of `kind` and `message`.
        public init(kind: String, message: String) {
            self.kind = kind
            self.message = message
        }

        /// A stable word (`fork`, `rollback`, `unknown_host`, …).
        public var kind: String
        /// A sentence for people.
        public var message: String
    }

    /// What went wrong.
    public var error: Detail

    /// A body of `kind` and `message`.
    public init(kind: String, message: String) { error = Detail(kind: kind, message: message) }
}

/// The witness's public identity, so hosts can check cosignatures.
public struct WitnessInfo: Sendable, Codable, Equatable {
    /// The key name on cosignature lines.
    public var name: String
    /// The raw Ed25519 public key, base64.
    public var publicKey: String

    /// A witness named `name` with `publicKey`.
    public init(name: String, publicKey: String) {
        self.name = name
        self.publicKey = publicKey
    }
}
