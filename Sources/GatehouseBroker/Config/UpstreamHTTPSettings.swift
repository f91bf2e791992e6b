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
        typealias Keys = ConfigKeys.Foundation
        func refuse(_ setting: Setting<String?>, _ value: String, expected: String) -> ConfigError {
            .badValue(key: setting.key.path, value: Config.masked(value), expected: expected, source: config.source(of: setting))
        }
        if let path = config[Keys.caBundle] {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw refuse(Keys.caBundle, path, expected: "a readable PEM file of CA certificates")
            }
            caBundlePath = path
        }
        if let url = config[Keys.proxy] {
            guard let proxy = HTTPProxy(url) else {
                throw refuse(
                    Keys.proxy, url,
                    expected: "a proxy URL such as http://proxy.example.com:3128 (schemes: "
                        + HTTPProxy.schemes.sorted().joined(separator: ", ") + ")")
            }
            self.proxy = proxy
        }
        noProxy = config[Keys.noProxy]
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
