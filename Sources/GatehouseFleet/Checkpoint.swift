import Crypto
import Foundation

/// A host's audit chain at one moment, in the C2SP tlog-checkpoint body form:
/// origin (the host id), size (the last seq), and the chain head (that record's hash), base64.
///
/// C2SP checkpoints carry a Merkle tree root; ours carry the hash-chain head, which commits to the
/// whole chain in the same way for a verifier that reads it from the start (docs/fleet.md).
public struct Checkpoint: Sendable, Equatable, Hashable {
    /// The host id.
    public var origin: String
    /// The number of records, which is the last seq (seqs start at 1).
    public var size: Int64
    /// The hash of record `size`; 32 zero bytes for an empty chain.
    public var head: Data

    /// A checkpoint of `origin` at `size` with chain head `head`.
    public init(origin: String, size: Int64, head: Data) {
        self.origin = origin
        self.size = size
        self.head = head
    }

    /// The note body: three lines.
    public var body: String { "\(origin)\n\(size)\n\(head.base64EncodedString())\n" }

    /// Parses a note body; nil unless it is exactly origin, a size, and a 32-byte base64 hash.
    public init?(body: String) {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[3].isEmpty, !lines[0].isEmpty, let size = Int64(lines[1]), size >= 0,
            String(size) == lines[1], let head = Data(base64Encoded: String(lines[2])), head.count == 32
        else { return nil }
        self.init(origin: String(lines[0]), size: size, head: head)
    }
}

/// A checkpoint signed by its host and, once accepted, cosigned by the collector's witness key.
public struct SignedCheckpoint: Sendable, Equatable {
    /// What it says.
    public let checkpoint: Checkpoint
    /// The note carrying it.
    public let note: SignedNote

    /// Signs `checkpoint` with the host key; the signature name is the origin (the host id).
    public static func sign(_ checkpoint: Checkpoint, hostKey: Curve25519.Signing.PrivateKey) throws -> SignedCheckpoint {
        let verifier = NoteVerifierKey(name: checkpoint.origin, publicKey: hostKey.publicKey, algorithm: .ed25519)
        let signature = try hostKey.signature(for: Data(checkpoint.body.utf8))
        let line = SignedNote.Signature(name: checkpoint.origin, blob: verifier.keyID + signature)
        return SignedCheckpoint(checkpoint: checkpoint, note: SignedNote(body: checkpoint.body, signatures: [line]))
    }

    /// Parses a note and the checkpoint in its body (no signature is checked here).
    public init(text: String) throws(FleetError) {
        guard let note = SignedNote(text: text) else { throw .malformedCheckpoint("not a signed note") }
        guard let checkpoint = Checkpoint(body: note.body) else { throw .malformedCheckpoint("the body is not origin, size, hash") }
        self.init(checkpoint: checkpoint, note: note)
    }

    init(checkpoint: Checkpoint, note: SignedNote) {
        self.checkpoint = checkpoint
        self.note = note
    }

    /// The note text.
    public var text: String { note.text }

    /// Whether the host key made one of the signatures.
    public func isSigned(byHost key: Curve25519.Signing.PublicKey) -> Bool {
        let verifier = NoteVerifierKey(name: checkpoint.origin, publicKey: key, algorithm: .ed25519)
        return note.signatures.contains { line in
            line.name == verifier.name && line.keyID == verifier.keyID && line.blob.count == 68
                && key.isValidSignature(line.blob.dropFirst(4), for: Data(note.body.utf8))
        }
    }

    /// The same checkpoint with the witness's cosignature/v1 line added (time in whole seconds).
    public func cosigned(by witness: Curve25519.Signing.PrivateKey, name: String, at time: Date) throws -> SignedCheckpoint {
        let verifier = NoteVerifierKey(name: name, publicKey: witness.publicKey, algorithm: .cosignatureV1)
        let seconds = UInt64(max(0, time.timeIntervalSince1970.rounded(.down)))
        let signature = try witness.signature(for: Self.cosignedMessage(body: note.body, seconds: seconds))
        var timestamp = Data(count: 8)
        for index in 0..<8 { timestamp[index] = UInt8(truncatingIfNeeded: seconds >> (56 - 8 * UInt64(index))) }
        var note = note
        note.signatures.removeAll { $0.name == name }
        note.signatures.append(SignedNote.Signature(name: name, blob: verifier.keyID + timestamp + signature))
        return SignedCheckpoint(checkpoint: checkpoint, note: note)
    }

    /// When the witness cosigned, if its valid cosignature is on the note.
    public func cosignatureTime(witness key: Curve25519.Signing.PublicKey, name: String) -> Date? {
        let verifier = NoteVerifierKey(name: name, publicKey: key, algorithm: .cosignatureV1)
        for line in note.signatures where line.name == name && line.keyID == verifier.keyID && line.blob.count == 4 + 8 + 64 {
            let seconds = line.blob.dropFirst(4).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let message = Self.cosignedMessage(body: note.body, seconds: seconds)
            if key.isValidSignature(line.blob.dropFirst(12), for: message) { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        }
        return nil
    }

    /// What a cosignature/v1 signs: a header naming the format and time, then the checkpoint body.
    private static func cosignedMessage(body: String, seconds: UInt64) -> Data {
        Data("cosignature/v1\ntime \(seconds)\n\(body)".utf8)
    }
}
