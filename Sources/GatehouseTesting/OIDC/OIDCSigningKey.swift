import CryptoExtras
import Foundation
import JWTKit

/// One signing key of the provider, with the public half it publishes in the JWKS.
struct OIDCSigningKey: Sendable {
    enum Material: Sendable {
        case rsa(JWTKit.Insecure.RSA.PrivateKey)
        case ecdsa(ES256PrivateKey)
    }

    let kid: String
    let algorithm: OIDCProviderOptions.SigningAlgorithm
    let material: Material

    /// A fresh key: RSA 2048-bit for RS256, P-256 for ES256.
    static func generate(_ algorithm: OIDCProviderOptions.SigningAlgorithm) throws -> OIDCSigningKey {
        let kid = "\(algorithm.rawValue.lowercased())-\(RandomToken.make(byteCount: 9))"
        switch algorithm {
        case .rs256:
            let backing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return OIDCSigningKey(kid: kid, algorithm: algorithm, material: .rsa(try JWTKit.Insecure.RSA.PrivateKey(backing: backing)))
        case .es256:
            return OIDCSigningKey(kid: kid, algorithm: algorithm, material: .ecdsa(ES256PrivateKey()))
        }
    }

    /// The public JWK (`kty`, `use: sig`, `alg`, `kid` and the key numbers).
    func publicJWK() throws -> OIDCPublicJWK {
        switch material {
        case .rsa(let key):
            let numbers = try key.publicKey.getKeyPrimitives()
            return OIDCPublicJWK(
                kty: "RSA", kid: kid, alg: algorithm.rawValue,
                n: OAuthBase64URL.encode(numbers.modulus), e: OAuthBase64URL.encode(numbers.publicExponent))
        case .ecdsa(let key):
            let point = key.publicKey.parameters
            return OIDCPublicJWK(kty: "EC", kid: kid, alg: algorithm.rawValue, crv: "P-256", x: point?.x, y: point?.y)
        }
    }

    /// Signs `claims` as a compact JWT whose header names this key (jwt-kit adds `alg` and `typ`);
    /// `namingKey: false` leaves `kid` out of the header.
    func sign(_ claims: some JWTPayload, namingKey: Bool = true) async throws -> String {
        let keys = JWTKeyCollection()
        let identifier = namingKey ? JWKIdentifier(string: kid) : nil
        switch material {
        case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
        case .ecdsa(let key): await keys.add(ecdsa: key, kid: identifier)
        }
        return try await keys.sign(claims, kid: identifier)
    }
}

/// A public key as published in the JWKS document (RFC 7517).
public struct OIDCPublicJWK: Codable, Sendable, Equatable {
    /// Key type: `RSA` or `EC`.
    public var kty: String
    /// Always `sig`.
    public var use: String = "sig"
    /// Key id, matched against a JWT's `kid` header.
    public var kid: String
    /// `RS256` or `ES256`.
    public var alg: String
    /// RSA modulus (base64url).
    public var n: String?
    /// RSA exponent (base64url).
    public var e: String?
    /// EC curve.
    public var crv: String?
    /// EC x coordinate (base64url).
    public var x: String?
    /// EC y coordinate (base64url).
    public var y: String?
}

/// The JWKS document `{keys: [...]}`.
public struct OIDCJWKSDocument: Codable, Sendable, Equatable {
    /// The published keys, newest first.
    public var keys: [OIDCPublicJWK]
}
