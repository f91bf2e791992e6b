import Crypto
import Foundation

/// A host asking the collector to bind its key to its id and to the signed-in person.
///
/// The ID token says who the person is (the collector checks it against the IdP's JWKS); the proof,
/// a signature by the host key over the id and the token's hash, shows the key's holder made this
/// request with this token, so a key cannot be registered by someone who does not hold it.
public struct HostRegistration: Sendable, Codable, Equatable {
    /// The host id (the checkpoints' origin).
    public var hostID: String
    /// The raw Ed25519 public key, base64.
    public var publicKey: String
    /// The signed-in person's OIDC ID token.
    public var idToken: String
    /// Ed25519 signature by the host key over `proofMessage`, base64.
    public var proof: String

    /// A registration of `key` as `hostID`, for the person of `idToken`.
    public static func make(hostID: String, key: Curve25519.Signing.PrivateKey, idToken: String) throws -> HostRegistration {
        let signature = try key.signature(for: proofMessage(hostID: hostID, idToken: idToken))
        return HostRegistration(
            hostID: hostID, publicKey: key.publicKey.rawRepresentation.base64EncodedString(), idToken: idToken,
            proof: signature.base64EncodedString())
    }

    /// A registration from its parts.
    public init(hostID: String, publicKey: String, idToken: String, proof: String) {
        self.hostID = hostID
        self.publicKey = publicKey
        self.idToken = idToken
        self.proof = proof
    }

    /// The key, if the registration's proof verifies with it; nil otherwise.
    public func verifiedKey() -> Curve25519.Signing.PublicKey? {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
            let signature = Data(base64Encoded: proof),
            key.isValidSignature(signature, for: Self.proofMessage(hostID: hostID, idToken: idToken))
        else { return nil }
        return key
    }

    /// What the proof signs: a fixed header, the host id and the SHA-256 of the token (not the token itself).
    static func proofMessage(hostID: String, idToken: String) -> Data {
        let digest = Data(SHA256.hash(data: Data(idToken.utf8))).base64EncodedString()
        return Data("gatehouse-fleet-registration/v1\n\(hostID)\n\(digest)\n".utf8)
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "hostId"
        case publicKey, idToken, proof
    }
}

/// The collector's answer to a registration.
public struct HostRegistered: Sendable, Codable, Equatable {
    /// The registered host id.
    public var hostID: String
    /// The person it is bound to (the ID token's subject).
    public var subject: String
    /// Their email, if the token had one.
    public var email: String?

    /// An answer.
    public init(hostID: String, subject: String, email: String?) {
        self.hostID = hostID
        self.subject = subject
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case hostID = "hostId"
        case subject, email
    }
}
