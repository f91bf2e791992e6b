import Foundation
import GatehouseHTTP

/// The `http.*` keys: how every upstream call reaches the network (CA bundle, proxy). Checked once
/// at start-up, so a missing bundle or a malformed proxy stops the daemon with the key named,
/// rather than failing each upstream call later with a TLS or connection error.
struct UpstreamHTTPSettings: Sendable {
    var caBundlePath: String?
    var proxy: HTTPProxy?
    var noProxy: String?

    init(_ config: Config) throws(ConfigError) {
        func refuse(_ key: String, _ value: String, expected: String) -> ConfigError {
            .badValue(key: key, value: Config.masked(value), expected: expected, source: config.sources[key] ?? "default")
        }
        if let path = config.string("http.ca_bundle"), !path.isEmpty {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw refuse("http.ca_bundle", path, expected: "a readable PEM file of CA certificates")
            }
            caBundlePath = path
        }
        if let url = config.string("http.proxy"), !url.isEmpty {
            guard let proxy = HTTPProxy(url) else {
                throw refuse("http.proxy", url, expected: "a proxy URL such as http://proxy.example.com:3128 (schemes: "
                    + HTTPProxy.schemes.sorted().joined(separator: ", ") + ")")
            }
            self.proxy = proxy
        }
        noProxy = config.string("http.no_proxy").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `base` with these settings; each component keeps its own timeouts and circuit breaker.
    func applied(to base: HTTPClientConfiguration = .init()) -> HTTPClientConfiguration {
        var configuration = base
        configuration.caBundlePath = caBundlePath
        configuration.proxy = proxy
        configuration.noProxy = noProxy
        return configuration
    }
}
