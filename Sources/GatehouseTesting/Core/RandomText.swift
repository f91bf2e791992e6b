import Foundation

/// Unguessable URL-safe tokens for sandbox credentials.
enum RandomText {
    /// `bytes` random bytes as base64url without padding.
    static func token(bytes: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
