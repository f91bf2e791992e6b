import Foundation
import GatehouseHTTP
import Hummingbird
import Testing

@Suite("Retries")
struct RetryTests {
    @Test("503 twice then 200: retried with backoff, the answer is the 200")
    func retriesServerErrors() async throws {
        let recorder = RequestRecorder()
        let response = try await withScriptedServer(routes: { router in
            router.get("/flaky") { _, _ -> Response in
                recorder.record() < 2 ? Response(status: .serviceUnavailable) : Response(status: .ok)
            }
        }) { base in
            try await makeTestClient(maxAttempts: 4).send(.get("\(base)/flaky", upstream: "backstage"))
        }
        #expect(response.status == 200)
        #expect(response.attempts == 3)
        #expect(recorder.count == 3)
        let times = recorder.timestamps
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("Always 503: the last response is returned after the last attempt, not thrown")
    func returnsLastRetryableResponse() async throws {
        let recorder = RequestRecorder()
        let response = try await withScriptedServer(routes: { router in
            router.get("/down") { _, _ -> Response in
                recorder.record()
                return Response(status: .badGateway)
            }
        }) { base in
            try await makeTestClient(maxAttempts: 3).send(.get("\(base)/down", upstream: "looker"))
        }
        #expect(response.status == 502)
        #expect(response.attempts == 3)
        #expect(recorder.count == 3)
    }

    @Test("429 with Retry-After: 1 waits at least about a second")
    func honoursRetryAfter() async throws {
        let recorder = RequestRecorder()
        let response = try await withScriptedServer(routes: { router in
            router.get("/limited") { _, _ -> Response in
                recorder.record() == 0
                    ? Response(status: .tooManyRequests, headers: [.retryAfter: "1"])
                    : Response(status: .ok)
            }
        }) { base in
            try await makeTestClient().send(.get("\(base)/limited", upstream: "looker"))
        }
        #expect(response.status == 200)
        let times = recorder.timestamps
        try #require(times.count == 2)
        #expect(times[1] - times[0] >= .milliseconds(950))
    }

    @Test("A POST that reached the server is not retried; marked idempotent it is")
    func postRetriedOnlyWhenIdempotent() async throws {
        let plain = RequestRecorder()
        let marked = RequestRecorder()
        let (first, second) = try await withScriptedServer(routes: { router in
            router.post("/submit") { request, _ -> Response in
                (request.headers[.init("X-Mark")!] == nil ? plain : marked).record()
                return Response(status: .serviceUnavailable)
            }
        }) { base in
            let client = makeTestClient(maxAttempts: 3)
            let plainPost = try HTTPRequest.json(.POST, "\(base)/submit", upstream: "dataproc", body: ["job": "a"])
            var markedPost = try HTTPRequest.json(.POST, "\(base)/submit", upstream: "dataproc", body: ["job": "a"])
            markedPost.idempotent = true
            markedPost.headers.add("X-Mark", "1")
            return (try await client.send(plainPost), try await client.send(markedPost))
        }
        #expect(first.status == 503 && first.attempts == 1)
        #expect(plain.count == 1)
        #expect(second.status == 503 && second.attempts == 3)
        #expect(marked.count == 3)
    }

    @Test("Connection refused is retried, even for a POST, then fails with .connectionFailed")
    func connectionRefused() async throws {
        let port = try closedLoopbackPort()
        let logs = LogCapture()
        let client = makeTestClient(maxAttempts: 3, logger: logs.logger())
        let request = HTTPRequest.form("http://127.0.0.1:\(port)/token", upstream: "idp", fields: [("grant_type", "x")])
        let error = await #expect(throws: HTTPError.self) { try await client.send(request) }
        guard case .connectionFailed(let upstream, _) = error else {
            Issue.record("expected .connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(upstream == "idp")
        #expect(error?.isRetryableLater == true)
        #expect(logs.count(of: "upstream attempt failed") == 3)
    }
}
