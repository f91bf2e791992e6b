import Foundation
import GatehouseCore

/// `application/x-www-form-urlencoded` as the WHATWG URL standard serializes it (what OAuth servers expect).
public enum FormEncoding {
    /// The media type of an encoded form body.
    public static let contentType = "application/x-www-form-urlencoded"

    // The urlencoded byte serializer leaves only ASCII alphanumerics and `*-._` as they are.
    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")

    /// `name=value&...` with every other byte percent-encoded as UTF-8 and spaces as `+`.
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// The fields of an encoded form, decoded; malformed escapes are kept literally.
    public static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    /// Values of secret-named fields (see `Redaction.isSecret`), both as sent and decoded.
    static func secretValues(in text: String) -> [String] {
        text.split(separator: "&").flatMap { pair -> [String] in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Redaction.isSecret(name: unescape(parts[0])) else { return [] }
            return [String(parts[1]), unescape(parts[1])]
        }
    }

    private static func escape(_ text: String) -> String {
        // A literal `%` is escaped to %25 first, so every %20 in the output stands for a space.
        (text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text)
            .replacingOccurrences(of: "%20", with: "+")
    }

    private static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
