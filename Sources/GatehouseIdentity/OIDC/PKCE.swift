import Crypto
import Foundation

/// The per-sign-in secrets of an authorization-code flow: PKCE verifier (RFC 7636, S256),
/// `state` against CSRF on the redirect, and `nonce` against ID-token replay.
struct PKCE: Sendable {
    let verifier: String
    let state: String
    let nonce: String

    /// Fresh random values (256 bits each).
    init() {
        verifier = Self.random()
        state = Self.random()
        nonce = Self.random()
    }

    /// `BASE64URL(SHA256(verifier))`.
    var challenge: String { Base64URL.encode(SHA256.hash(data: Data(verifier.utf8))) }

    static func random() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }
}
