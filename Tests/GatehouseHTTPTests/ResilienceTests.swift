import Foundation
import Synchronization
import Testing

@testable import GatehouseHTTP

@Suite("Retry-After and breaker rules")
struct ResilienceTests {
    @Test("Retry-After accepts delay-seconds and HTTP-dates, ignores garbage")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "7")]), now: now) == .seconds(7))
        #expect(RetryAfter.delay(in: HTTPHeaders([("retry-after", "Tue, 14 Nov 2023 22:13:50 GMT")]), now: now) == .seconds(30))
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT")]), now: now) == .zero)
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "soon")]), now: now) == nil)
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "-3")]), now: now) == nil)
        #expect(RetryAfter.delay(in: HTTPHeaders(), now: now) == nil)
        // A server asking for forever gets a day, not a trap converting its number.
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "999999999999999999")]), now: now) == .seconds(86_400))
        #expect(RetryAfter.delay(in: HTTPHeaders([("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]), now: now) == .seconds(86_400))
    }

    @Test("Half-open lets exactly one probe through; its success closes the circuit")
    func halfOpenSingleProbe() throws {
        let clock = Mutex(Date(timeIntervalSince1970: 0))
        let breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: 2, openDuration: .seconds(10)),
            now: { clock.withLock { $0 } }
        )
        for _ in 0..<2 { breaker.record(.failed, for: try breaker.acquire("idp")) }
        #expect(breaker.state(of: "idp") == .offline(since: Date(timeIntervalSince1970: 0), retryAt: Date(timeIntervalSince1970: 10)))
        #expect(throws: HTTPError.circuitOpen(upstream: "idp", retryAt: Date(timeIntervalSince1970: 10))) { try breaker.acquire("idp") }

        clock.withLock { $0 = Date(timeIntervalSince1970: 11) }
        let probe = try breaker.acquire("idp")
        #expect(probe.isProbe)
        #expect(breaker.state(of: "idp") == .probing)
        #expect(throws: HTTPError.self) { try breaker.acquire("idp") }

        breaker.record(.healthy, for: probe)
        #expect(breaker.state(of: "idp") == .online)
        #expect(try !breaker.acquire("idp").isProbe)
    }

    @Test("An open circuit probes at once when the wall clock was set back past its retry time")
    func clockSetBack() throws {
        let clock = Mutex(Date(timeIntervalSince1970: 7200))
        let breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: 1, openDuration: .seconds(10)),
            now: { clock.withLock { $0 } }
        )
        breaker.record(.failed, for: try breaker.acquire("dataproc"))
        #expect(throws: HTTPError.self) { try breaker.acquire("dataproc") }
        clock.withLock { $0 = Date(timeIntervalSince1970: 3600) }  // an hour back: retryAt now lies 3610 s ahead
        #expect(try breaker.acquire("dataproc").isProbe, "not an hour's wait")
    }

    @Test("A probe that tells nothing (cancelled) lets the next call probe at once")
    func neutralProbe() throws {
        let clock = Mutex(Date(timeIntervalSince1970: 0))
        let breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: 1, openDuration: .seconds(5)),
            now: { clock.withLock { $0 } }
        )
        breaker.record(.failed, for: try breaker.acquire("sts"))
        clock.withLock { $0 = Date(timeIntervalSince1970: 6) }
        breaker.record(.neutral, for: try breaker.acquire("sts"))
        #expect(try breaker.acquire("sts").isProbe)
    }

    @Test("Successes in between reset the count of consecutive failures")
    func consecutiveOnly() throws {
        let breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 3))
        for verdict in [CircuitBreaker.Verdict.failed, .failed, .healthy, .failed, .failed] {
            breaker.record(verdict, for: try breaker.acquire("looker"))
        }
        #expect(breaker.state(of: "looker") == .online)
        breaker.record(.failed, for: try breaker.acquire("looker"))
        #expect(breaker.state(of: "looker") != .online)
    }
}
