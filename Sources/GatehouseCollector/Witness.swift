import Crypto
import Foundation
import GatehouseFleet

/// The collector's witness key: cosigns each checkpoint it accepted. Every collector in front of
/// one database loads the same key file, so a host sees one witness however it is routed.
public struct Witness: Sendable {
    /// The name on cosignature lines.
    public let name: String
    /// The private key.
    let key: Curve25519.Signing.PrivateKey

    /// A witness named `name` with `key`.
    public init(name: String, key: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.key = key
    }

    /// The public half, for hosts.
    public var info: WitnessInfo { WitnessInfo(name: name, publicKey: key.publicKey.rawRepresentation.base64EncodedString()) }

    /// The public key.
    public var publicKey: Curve25519.Signing.PublicKey { key.publicKey }

    /// Loads the raw 32-byte key from `path`, or makes one there (mode 0600) if there is none.
    public static func load(path: String, name: String) throws -> Witness {
        let url = URL(fileURLWithPath: path)
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return Witness(name: name, key: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
            } catch {
                throw CollectorError.witnessKey(path: path, reason: "not a raw 32-byte Ed25519 key")
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: path, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
            throw CollectorError.witnessKey(path: path, reason: "cannot create it (does \(url.deletingLastPathComponent().path) exist?)")
        }
        return Witness(name: name, key: key)
    }

    /// The checkpoint with this witness's cosignature.
    func cosign(_ checkpoint: SignedCheckpoint, at time: Date) throws -> SignedCheckpoint {
        try checkpoint.cosigned(by: key, name: name, at: time)
    }
}
