/// An outbound proxy, checked once by libcurl's URL parser: `http://`, `https://` or `socks…://`,
/// with a host, and optionally `user:password@`.
public struct HTTPProxy: Sendable, Equatable {
    /// The proxy kinds libcurl speaks.
    public static let schemes: Set<String> = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]

    /// The URL as given, credentials included: only ever handed to libcurl.
    let url: String
    /// The URL without its credentials, safe to print and log.
    public let loggable: String
    /// The password, for scrubbing error text.
    let secrets: [String]

    /// Parses `url`; nil when it is not a proxy URL libcurl would accept.
    public init?(_ url: String) {
        guard let parsed = CurlURL(url, schemes: Self.schemes) else { return nil }
        self.url = url
        self.loggable = parsed.loggable
        self.secrets = parsed.secrets
    }
}
