import Foundation
import GatehouseHTTP
import Testing

@Suite("Request and response model")
struct ModelTests {
    @Test("Headers keep order and duplicates and look up case-insensitively")
    func headers() {
        var headers = HTTPHeaders([("Accept", "a"), ("X-Id", "1")])
        headers.add("x-id", "2")
        #expect(headers["X-ID"] == "1")
        #expect(headers.values(for: "x-Id") == ["1", "2"])
        headers.replace("X-Id", "3")
        #expect(headers.values(for: "x-id") == ["3"])
        #expect(headers.map(\.name) == ["Accept", "X-Id"])
        #expect(headers["missing"] == nil)
    }

    @Test("Idempotency follows the method unless set explicitly")
    func idempotency() {
        #expect(HTTPRequest.get("http://h/", upstream: "u").isIdempotent)
        #expect(!HTTPRequest.form("http://h/", upstream: "u", fields: []).isIdempotent)
        var post = HTTPRequest(method: .POST, url: "http://h/", upstream: "u", idempotent: true)
        #expect(post.isIdempotent)
        post.idempotent = nil
        #expect(!post.isIdempotent)
        #expect(!HTTPRequest(method: .PATCH, url: "http://h/", upstream: "u").isIdempotent)
        #expect(HTTPRequest(method: .DELETE, url: "http://h/", upstream: "u").isIdempotent)
    }

    @Test("Backoff ceilings double from the base and stop at the maximum")
    func backoffCeilings() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        let ceilings = (1...5).map { policy.backoff(afterAttempt: $0) { $0 } }
        #expect(ceilings == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
        for attempt in 1...20 {
            let delay = policy.backoff(afterAttempt: attempt)
            #expect(delay >= .zero && delay <= .milliseconds(500))
        }
    }

    @Test("Only absolute http(s) URLs are accepted, and the error does not repeat secrets")
    func invalidURLs() async {
        let client = HTTPClient()
        for url in ["not a url", "ftp://example.com/file", "/relative/path", "http://user:hunter2secret@[::1/x?token=tok-9f8e7d"] {
            let error = await #expect(throws: HTTPError.self) { try await client.send(.get(url, upstream: "u")) }
            guard case .invalidURL(let shown) = error else {
                Issue.record("expected .invalidURL for \(url), got \(String(describing: error))")
                continue
            }
            #expect(!shown.contains("hunter2secret") && !shown.contains("tok-9f8e7d"))
        }
    }

    @Test("A header value with a line break is rejected before anything is sent")
    func headerInjection() async {
        let client = HTTPClient()
        let request = HTTPRequest.get("http://127.0.0.1:9/", upstream: "u", headers: HTTPHeaders([("X-A", "1\r\nX-B: 2")]))
        let error = await #expect(throws: HTTPError.self) { try await client.send(request) }
        guard case .invalidRequest = error else {
            Issue.record("expected .invalidRequest, got \(String(describing: error))")
            return
        }
        #expect(error?.isRetryableLater == false)
    }

    @Test("An undecodable body names the upstream and type but does not quote the body")
    func undecodable() {
        struct Dashboard: Decodable { var id: String }
        let response = HTTPResponse(status: 200, body: Data(#"{"id": 42, "access_token": "tok-secret-1234"}"#.utf8), upstream: "looker")
        #expect(throws: HTTPError.self) { try response.decode(Dashboard.self) }
        do {
            _ = try response.decode(Dashboard.self)
        } catch {
            #expect(error.description.contains("looker"))
            #expect(error.description.contains("Dashboard"))
            #expect(!error.description.contains("tok-secret-1234"))
        }
    }

    @Test("isRetryableLater is true exactly for failures worth queueing")
    func retryableLater() {
        #expect(HTTPError.connectionFailed(upstream: "u", detail: "").isRetryableLater)
        #expect(HTTPError.timedOut(upstream: "u", after: .seconds(1)).isRetryableLater)
        #expect(HTTPError.circuitOpen(upstream: "u", retryAt: Date()).isRetryableLater)
        #expect(HTTPError.transport(upstream: "u", detail: "").isRetryableLater)
        #expect(!HTTPError.invalidURL("x").isRetryableLater)
        #expect(!HTTPError.responseTooLarge(upstream: "u", limit: 1).isRetryableLater)
        #expect(!HTTPError.undecodable(upstream: "u", detail: "").isRetryableLater)
    }
}
