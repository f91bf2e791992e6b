import GatehouseHTTP

extension Config {
    /// `base` with the `http.*` keys applied (CA bundle, proxy), as the daemon's upstream calls use
    /// them: for tools outside the daemon that reach the same upstreams (`gatehouse doctor`).
    public func upstreamHTTPConfiguration(base: HTTPClientConfiguration = .init()) throws(ConfigError) -> HTTPClientConfiguration {
        try UpstreamHTTPSettings(self).applied(to: base)
    }
}
