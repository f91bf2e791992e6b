import Foundation

/// Unguessable opaque strings for codes and tokens.
enum RandomToken {
    /// `byteCount` random bytes as base64url text, after an optional readable prefix.
    static func make(prefix: String = "", byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + OAuthBase64URL.encode(bytes)
    }
}

/// Base64url without padding (RFC 4648 §5), as JWTs, JWKs and PKCE use it.
///
/// Named for OAuth so it cannot collide with a helper of the same shape elsewhere in the module.
enum OAuthBase64URL {
    /// The bytes as unpadded base64url text.
    static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url text with or without padding; nil if it is not base64url.
    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
