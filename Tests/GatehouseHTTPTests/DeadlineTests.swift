import Foundation
import GatehouseHTTP
import Hummingbird
import Testing

@Suite("Deadlines and cancellation")
struct DeadlineTests {
    private static func slowRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(5))
            return Response(status: .ok)
        }
    }

    @Test("A 500 ms deadline against a 5 s upstream ends in .timedOut within 600 ms")
    func slowUpstreamTimesOut() async throws {
        try await withScriptedServer(routes: Self.slowRoutes) { base in
            let client = makeTestClient(maxAttempts: 4)
            var request = HTTPRequest.get("\(base)/slow", upstream: "looker")
            request.timeout = .milliseconds(500)
            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPError.self) { try await client.send(request) }
            let elapsed = ContinuousClock.now - started
            #expect(error == .timedOut(upstream: "looker", after: .milliseconds(500)))
            #expect(elapsed < .milliseconds(600))
        }
    }

    @Test("Cancelling the calling task aborts the transfer with .cancelled")
    func cancellationAbortsTransfer() async throws {
        try await withScriptedServer(routes: Self.slowRoutes) { base in
            let client = makeTestClient()
            let call = Task { () async throws(HTTPError) -> HTTPResponse in
                try await client.send(.get("\(base)/slow", upstream: "looker"))
            }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            let result = await call.result
            guard case .failure(let error) = result else {
                Issue.record("expected a failure, got \(result)")
                return
            }
            #expect(error as? HTTPError == .cancelled(upstream: "looker"))
            #expect(client.state(of: "looker") == .online)
        }
    }

    @Test("After shutdown, calls fail instead of hanging")
    func shutdownFailsCalls() async throws {
        let client = makeTestClient()
        client.shutdown()
        client.shutdown()
        let port = try closedLoopbackPort()
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(.get("http://127.0.0.1:\(port)/", upstream: "looker"))
        }
        guard case .transport = error else {
            Issue.record("expected .transport, got \(String(describing: error))")
            return
        }
    }
}
