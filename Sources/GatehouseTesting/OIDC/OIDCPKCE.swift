import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` gives no protection against a
/// stolen authorization code, so the sandbox refuses it just as a careful provider should.
enum OIDCPKCE {
    /// True when `verifier` is well-formed (43–128 unreserved characters) and hashes to `challenge`.
    static func verify(verifier: String, challenge: String) -> Bool {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        guard (43...128).contains(verifier.count),
            verifier.unicodeScalars.allSatisfy(unreserved.contains)
        else { return false }
        return Self.challenge(for: verifier) == challenge
    }

    /// The S256 challenge of a verifier: base64url(SHA-256(verifier)).
    static func challenge(for verifier: String) -> String {
        OAuthBase64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }
}
