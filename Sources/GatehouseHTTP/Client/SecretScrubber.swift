import Foundation
import GatehouseCore

/// Every secret literal a request carries, so error text built from libcurl or the upstream
/// can have them removed. Computed only when an error is being described.
struct SecretScrubber: Sendable {
    private let request: HTTPRequest
    private let urlSecrets: [String]

    init(_ request: HTTPRequest, url: CurlURL?, proxy: HTTPProxy? = nil) {
        self.request = request
        // libcurl's error text can name the proxy; its password must not come along.
        self.urlSecrets = (url?.secrets ?? []) + (proxy?.secrets ?? [])
    }

    /// `text` with every known secret replaced by `Redaction.placeholder`.
    func scrub(_ text: String) -> String {
        // Longest first, so a token is not left half-visible after a shorter secret inside it is replaced.
        Redaction.scrub(text, secrets: secrets.sorted { $0.count > $1.count })
    }

    private var secrets: [String] {
        request.secrets + urlSecrets + headerSecrets + bodySecrets
    }

    /// Values of secret headers, whole and word by word (`Bearer <token>` also yields `<token>`).
    private var headerSecrets: [String] {
        request.headers.filter { Redaction.isSecret(name: $0.name) }.flatMap { field in
            [field.value] + field.value.split(separator: " ").map(String.init)
        }
    }

    /// Values of secret-named fields in a form or JSON body, decoded and as sent.
    private var bodySecrets: [String] {
        guard let body = request.body, !body.isEmpty else { return [] }
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        if contentType.hasPrefix(FormEncoding.contentType) {
            return FormEncoding.secretValues(in: String(decoding: body, as: UTF8.self))
        }
        if contentType.contains("json"), let value = try? JSONParser.parse(body) {
            return Self.secretStrings(in: value)
        }
        return []
    }

    private static func secretStrings(in value: JSONValue) -> [String] {
        switch value {
        case .object(let members):
            members.flatMap { key, member in
                if Redaction.isSecret(name: key), let text = member.stringValue { [text] } else { secretStrings(in: member) }
            }
        case .array(let values):
            values.flatMap(secretStrings)
        default:
            []
        }
    }
}
