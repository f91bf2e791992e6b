import Crypto
import Foundation

/// A note in the C2SP signed-note form (https://c2sp.org/signed-note): a text body, a blank line,
/// then one line per signature, `— <name> <base64(key id ‖ signature)>`.
///
/// Written here because no package in the set speaks signed notes; the format is a page long.
public struct SignedNote: Sendable, Equatable {
    /// The signed text; ends with a newline.
    public var body: String
    /// Every signature line, in order.
    public var signatures: [Signature]

    /// One signature line.
    public struct Signature: Sendable, Equatable {
        /// The signer's key name.
        public var name: String
        /// The four-byte key id followed by the signature bytes (for a cosignature: timestamp then signature).
        public var blob: Data

        /// A line with `name` and `blob`.
        public init(name: String, blob: Data) {
            self.name = name
            self.blob = blob
        }

        /// The first four bytes: which key made it.
        public var keyID: Data { blob.prefix(4) }
    }

    /// A note of `body` with `signatures`.
    public init(body: String, signatures: [Signature]) {
        self.body = body
        self.signatures = signatures
    }

    /// The note as text: body, blank line, signature lines.
    public var text: String {
        var out = body + "\n"
        for signature in signatures { out += "\u{2014} \(signature.name) \(signature.blob.base64EncodedString())\n" }
        return out
    }

    /// Parses a note; nil if it is not in signed-note form (no blank line, a malformed signature line).
    public init?(text: String) {
        guard text.hasSuffix("\n"), let split = text.range(of: "\n\n", options: .backwards) else { return nil }
        let body = String(text[..<split.lowerBound]) + "\n"
        let lines = text[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var signatures: [Signature] = []
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "\u{2014}", !parts[1].isEmpty,
                let blob = Data(base64Encoded: String(parts[2])), blob.count > 4
            else { return nil }
            signatures.append(Signature(name: String(parts[1]), blob: blob))
        }
        guard !signatures.isEmpty else { return nil }
        self.init(body: body, signatures: signatures)
    }
}

/// An Ed25519 key of the signed-note form: a name and the key, with the key id the spec derives.
public struct NoteVerifierKey: Sendable {
    /// The signature algorithm byte the key id covers.
    public enum Algorithm: UInt8, Sendable {
        /// A signer's own Ed25519 signature over the note body.
        case ed25519 = 0x01
        /// A witness's timestamped cosignature (https://c2sp.org/tlog-cosignature).
        case cosignatureV1 = 0x04
    }

    /// The key's name, as in signature lines.
    public let name: String
    /// The raw 32-byte Ed25519 public key.
    public let publicKey: Curve25519.Signing.PublicKey
    /// Which kind of signature this key makes.
    public let algorithm: Algorithm

    /// A key named `name`.
    public init(name: String, publicKey: Curve25519.Signing.PublicKey, algorithm: Algorithm) {
        self.name = name
        self.publicKey = publicKey
        self.algorithm = algorithm
    }

    /// The first four bytes of SHA-256(name ‖ "\n" ‖ algorithm ‖ key), as the spec defines.
    public var keyID: Data {
        var input = Data(name.utf8)
        input.append(0x0A)
        input.append(algorithm.rawValue)
        input.append(publicKey.rawRepresentation)
        return Data(SHA256.hash(data: input).prefix(4))
    }
}
