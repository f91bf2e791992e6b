import Foundation
import GatehouseCore
import Logging

/// The HTTP client every upstream module shares: libcurl on its own thread, a total deadline per
/// call, retries with backoff, and a circuit breaker per upstream.
public final class HTTPClient: Sendable {
    private let configuration: HTTPClientConfiguration
    private let logger: Logger
    private let engine: CurlEngine?
    private let breaker: CircuitBreaker

    /// A client with its own libcurl thread and connection cache.
    public init(configuration: HTTPClientConfiguration = .init(), logger: Logger = Logger(label: "gatehouse.http")) {
        self.configuration = configuration
        self.logger = logger
        self.engine = CurlEngine()
        self.breaker = CircuitBreaker(configuration: configuration.breaker)
    }

    deinit {
        engine?.shutdown()
    }

    /// Sends `request`, retrying as its idempotency allows. Any HTTP status is a response; only
    /// transport failures, the deadline, an open circuit or the size limit throw.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let call = try prepare(request)
        var attempt = 0
        var previous: AttemptOutcome?
        while true {
            if Task.isCancelled { throw .cancelled(upstream: call.upstream) }
            if call.deadlineReached {
                throw .timedOut(upstream: call.upstream, after: call.budget)
            }
            let permit: CircuitBreaker.Permit
            do {
                permit = try breaker.acquire(call.upstream)
            } catch {
                // The circuit opened while this call was retrying: what we already have is the answer.
                if let previous { return try finish(previous, attempts: attempt) }
                logger.debug("upstream offline, failing fast", metadata: call.metadata)
                throw error
            }

            attempt += 1
            let started = ContinuousClock.now
            let outcome = await perform(call)
            breaker.record(outcome.verdict, for: permit)
            log(outcome, call: call, attempt: attempt, duration: .now - started)

            guard attempt < configuration.retry.maxAttempts, let delay = retryDelay(after: outcome, attempt: attempt, call: call),
                delay < call.remaining - .milliseconds(10)
            else { return try finish(outcome, attempts: attempt) }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .cancelled(upstream: call.upstream)
            }
            previous = outcome
        }
    }

    /// What the circuit breaker thinks of `upstream`.
    public func state(of upstream: String) -> UpstreamState {
        breaker.state(of: upstream)
    }

    /// True while calls to `upstream` fail fast (offline, or only a probe allowed).
    public func isOffline(_ upstream: String) -> Bool {
        state(of: upstream) != .online
    }

    /// Stops the libcurl thread; running and later calls fail. Idempotent, and also done on deinit.
    public func shutdown() {
        engine?.shutdown()
    }

    // MARK: one call

    private func prepare(_ request: HTTPRequest) throws(HTTPError) -> CallContext {
        let url = CurlURL(request.url)
        let scrubber = SecretScrubber(request, url: url, proxy: configuration.proxy)
        guard let url else { throw .invalidURL(scrubber.scrub(UnparsedURL.loggable(request.url))) }
        try HeaderValidation.validate(request.headers)
        let budget = request.timeout ?? configuration.defaultTimeout
        return CallContext(
            request: request, scrubber: scrubber, loggableURL: url.loggable,
            deadline: .now + budget, budget: budget, maxResponseBytes: configuration.maxResponseBytes
        )
    }

    private func perform(_ call: CallContext) async -> AttemptOutcome {
        guard let engine else {
            return .failure(.transport(upstream: call.upstream, detail: "libcurl could not be initialized"), retryable: false, verdict: .neutral)
        }
        let remaining = call.remaining
        let spec = CurlTransferSpec(
            method: call.request.method, url: call.request.url, headers: call.request.headers, body: call.request.body,
            connectTimeout: min(configuration.connectTimeout, remaining), timeout: remaining,
            maxResponseBytes: configuration.maxResponseBytes, caBundlePath: configuration.caBundlePath,
            proxy: configuration.proxy, noProxy: configuration.noProxy, userAgent: configuration.userAgent
        )
        do {
            let transfer = try CurlTransfer(spec)
            return AttemptOutcome(await engine.perform(transfer), call: call)
        } catch {
            return .failure(error, retryable: false, verdict: .neutral)
        }
    }

    /// How long to wait before the next attempt, or nil when `outcome` must not be retried.
    private func retryDelay(after outcome: AttemptOutcome, attempt: Int, call: CallContext) -> Duration? {
        switch outcome {
        case .response(let response):
            guard response.status == 429 || (500..<600).contains(response.status), call.request.isIdempotent else { return nil }
            return RetryAfter.delay(in: response.headers) ?? configuration.retry.backoff(afterAttempt: attempt)
        case .failure(_, let retryable, _):
            return retryable ? configuration.retry.backoff(afterAttempt: attempt) : nil
        }
    }

    private func finish(_ outcome: AttemptOutcome, attempts: Int) throws(HTTPError) -> HTTPResponse {
        switch outcome {
        case .response(var response):
            response.attempts = attempts
            return response
        case .failure(let error, _, _):
            throw error
        }
    }

    private func log(_ outcome: AttemptOutcome, call: CallContext, attempt: Int, duration: Duration) {
        var metadata = call.metadata
        metadata["http.attempt"] = "\(attempt)"
        metadata["http.duration_ms"] = "\(duration / .milliseconds(1))"
        switch outcome {
        case .response(let response):
            metadata["http.status"] = "\(response.status)"
            metadata["http.response_bytes"] = "\(response.body.count)"
            logger.debug("upstream responded", metadata: metadata)
            // Names only: values of headers like Set-Cookie or a vendor's API key must not reach logs.
            logger.trace("upstream response headers", metadata: ["http.response_headers": "\(response.headers.map(\.name))"])
        case .failure(let error, _, _):
            metadata["http.error"] = "\(error)"
            logger.debug("upstream attempt failed", metadata: metadata)
        }
    }
}

extension CallContext {
    /// Log metadata naming the call without secrets.
    var metadata: Logger.Metadata {
        [
            "upstream": "\(upstream)",
            "http.method": "\(request.method.rawValue)",
            "http.url": "\(loggableURL)",
            "http.request_headers": "\(request.headers.map(\.name))",
        ]
    }
}
