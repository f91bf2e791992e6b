import CCurl
import Foundation
import GatehouseCore

/// A request URL parsed by libcurl's own URL parser, so what we validate is exactly what curl will fetch.
struct CurlURL: Sendable {
    /// The URL without credentials, query values of secret names replaced, no fragment: safe to log.
    let loggable: String
    /// Literal values inside the URL that must never be logged (password, secret query values).
    let secrets: [String]

    /// Parses `text`; nil when it is not an absolute http(s) URL.
    init?(_ text: String) {
        CurlRuntime.ensureInitialized()
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, text, 0) == CURLUE_OK,
              let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased(),
              scheme == "http" || scheme == "https",
              Self.part(handle, CURLUPART_HOST) != nil
        else { return nil }

        var secrets: [String] = []
        if let password = Self.part(handle, CURLUPART_PASSWORD) { secrets.append(password) }
        let query = Self.part(handle, CURLUPART_QUERY)
        if let query { secrets += FormEncoding.secretValues(in: query) }
        self.secrets = secrets

        for part in [CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS, CURLUPART_QUERY, CURLUPART_FRAGMENT] {
            curl_url_set(handle, part, nil, 0)
        }
        let base = Self.part(handle, CURLUPART_URL) ?? "\(scheme)://?"
        loggable = query.map { "\(base)?\(Redaction.formEncoded($0))" } ?? base
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
