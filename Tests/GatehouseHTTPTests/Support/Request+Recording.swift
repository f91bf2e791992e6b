import GatehouseHTTP
import Hummingbird
import Logging

extension Request {
    /// Header fields as a plain dictionary keyed by lower-cased name (first value wins).
    var headerDictionary: [String: String] {
        Dictionary(headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The whole body as UTF-8 text.
    func bodyText() async throws -> String {
        String(buffer: try await body.collect(upTo: 1 << 20))
    }
}

/// A client with fast retries, so tests spend little time sleeping.
func makeTestClient(
    maxAttempts: Int = 3, threshold: Int = 50, openDuration: Duration = .seconds(10),
    maxResponseBytes: Int = 32 * 1024 * 1024, caBundlePath: String? = nil, proxy: HTTPProxy? = nil, noProxy: String? = nil,
    logger: Logger? = nil
) -> HTTPClient {
    let configuration = HTTPClientConfiguration(
        connectTimeout: .seconds(2), defaultTimeout: .seconds(10), maxResponseBytes: maxResponseBytes,
        caBundlePath: caBundlePath, proxy: proxy, noProxy: noProxy,
        retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
        breaker: CircuitBreakerConfiguration(failureThreshold: threshold, openDuration: openDuration)
    )
    return logger.map { HTTPClient(configuration: configuration, logger: $0) } ?? HTTPClient(configuration: configuration)
}
