import GatehouseCore

/// Limits and policies shared by every call of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Per-attempt limit for establishing the connection (TCP and TLS).
    public var connectTimeout: Duration
    /// Total time per call, retries included, when the request sets no `timeout`.
    public var defaultTimeout: Duration
    /// Largest decoded response body accepted.
    public var maxResponseBytes: Int
    /// A custom CA bundle (PEM), used instead of the system's; TLS verification is always on.
    public var caBundlePath: String?
    /// The proxy for every call; nil leaves libcurl to read `http_proxy`, `https_proxy` and `all_proxy`.
    public var proxy: HTTPProxy?
    /// Hosts reached without the proxy (libcurl's `no_proxy` syntax); nil reads `no_proxy`.
    public var noProxy: String?
    public var userAgent: String
    public var retry: RetryPolicy
    public var breaker: CircuitBreakerConfiguration

    /// Defaults: 3 s connect, 15 s per call, 32 MiB bodies, system CAs, proxy from the environment, 4 attempts, breaker at 5 failures for 10 s.
    public init(
        connectTimeout: Duration = .seconds(3),
        defaultTimeout: Duration = .seconds(15),
        maxResponseBytes: Int = 32 * 1024 * 1024,
        caBundlePath: String? = nil,
        proxy: HTTPProxy? = nil,
        noProxy: String? = nil,
        userAgent: String = "gatehouse/\(GatehouseVersion.current)",
        retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreakerConfiguration = CircuitBreakerConfiguration()
    ) {
        self.connectTimeout = connectTimeout
        self.defaultTimeout = defaultTimeout
        self.maxResponseBytes = maxResponseBytes
        self.caBundlePath = caBundlePath
        self.proxy = proxy
        self.noProxy = noProxy
        self.userAgent = userAgent
        self.retry = retry
        self.breaker = breaker
    }
}
