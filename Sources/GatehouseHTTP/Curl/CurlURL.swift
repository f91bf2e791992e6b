import CCurl
import Foundation
import GatehouseCore

/// A URL parsed by libcurl's own URL parser, so what we validate is exactly what curl will use.
struct CurlURL: Sendable {
    /// The schemes of a request URL.
    static let requestSchemes: Set<String> = ["http", "https"]

    /// The URL without credentials, query values of secret names replaced, no fragment: safe to log.
    let loggable: String
    /// Literal values inside the URL that must never be logged (password, secret query values).
    let secrets: [String]

    /// Parses `text`; nil when it is not an absolute URL with a host and one of `schemes`.
    init?(_ text: String, schemes: Set<String> = requestSchemes) {
        CurlRuntime.ensureInitialized()
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        // Any scheme parses (socks5h is no transfer protocol to libcurl's URL API); `schemes` decides.
        guard curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK,
            let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased(),
            schemes.contains(scheme),
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
