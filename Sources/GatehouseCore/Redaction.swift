import Crypto
import Foundation

/// Removes secrets from anything that may be logged, audited or put in an error message.
///
/// One list of secret-bearing names serves every place that writes text out: audit params,
/// HTTP logs and error messages all go through here, so a new secret field is added once.
public enum Redaction {
    /// What a secret is replaced with.
    public static let placeholder = "[REDACTED]"

    /// Field, header and parameter names whose values are secrets (compared case-insensitively,
    /// ignoring `-` and `_`).
    public static let secretNames: Set<String> = [
        "authorization", "proxyauthorization", "cookie", "setcookie",
        "accesstoken", "refreshtoken", "idtoken", "token", "subjecttoken", "actortoken",
        "clientsecret", "password", "secret", "apikey", "apitoken", "devicecode", "code",
        "codeverifier", "assertion", "privatekey", "sessionreferencetoken", "authenticationtoken",
        "navigationtoken",
    ]

    /// True when a field called `name` carries a secret.
    public static func isSecret(name: String) -> Bool {
        let folded = name.lowercased().filter { $0 != "-" && $0 != "_" }
        return secretNames.contains(folded)
    }

    /// The JSON value with every secret member replaced, recursively.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(members.count)
            for (key, member) in members {
                out[key] = isSecret(name: key) ? .string(placeholder) : redact(member)
            }
            return .object(out)
        case .array(let values):
            return .array(values.map(redact))
        default:
            return value
        }
    }

    /// A header value safe to log: secrets replaced, everything else unchanged.
    public static func header(name: String, value: String) -> String {
        isSecret(name: name) ? placeholder : value
    }

    /// A form or query string (`a=1&client_secret=x`) with secret values replaced.
    public static func formEncoded(_ text: String) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = String(pair[..<equals]).removingPercentEncoding ?? String(pair[..<equals])
            return isSecret(name: name) ? "\(pair[..<equals])=\(placeholder)" : String(pair)
        }.joined(separator: "&")
    }

    /// Replaces each of `secrets` wherever it appears in `text` (for messages built from upstream replies).
    public static func scrub(_ text: String, secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: placeholder) }
    }

    /// A short, non-reversible fingerprint of a secret: what audit records show instead of a token.
    public static func fingerprint(_ secret: String) -> String {
        let digest = SHA256.hash(data: Data(secret.utf8))
        return "sha256:" + digest.hexString.prefix(16)
    }
}
