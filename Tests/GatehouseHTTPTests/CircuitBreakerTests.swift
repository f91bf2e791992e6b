import Foundation
import GatehouseHTTP
import Hummingbird
import Synchronization
import Testing

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    @Test("Opens after the threshold, fails fast without reaching the server, closes after a successful probe")
    func opensAndCloses() async throws {
        let recorder = RequestRecorder()
        let healthy = Mutex(false)
        try await withScriptedServer(routes: { router in
            router.get("/status") { _, _ -> Response in
                recorder.record()
                return Response(status: healthy.withLock { $0 } ? .ok : .internalServerError)
            }
        }) { base in
            let client = makeTestClient(maxAttempts: 1, threshold: 3, openDuration: .milliseconds(300))
            let request = HTTPRequest.get("\(base)/status", upstream: "catalog")
            for _ in 0..<3 {
                #expect(try await client.send(request).status == 500)
            }
            #expect(client.isOffline("catalog"))
            #expect(!client.isOffline("looker"))
            guard case .offline = client.state(of: "catalog") else {
                Issue.record("expected offline, got \(client.state(of: "catalog"))")
                return
            }

            let error = await #expect(throws: HTTPError.self) { try await client.send(request) }
            guard case .circuitOpen(let upstream, _) = error else {
                Issue.record("expected .circuitOpen, got \(String(describing: error))")
                return
            }
            #expect(upstream == "catalog")
            #expect(recorder.count == 3)

            healthy.withLock { $0 = true }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await client.send(request).status == 200)
            #expect(client.state(of: "catalog") == .online)
            #expect(recorder.count == 4)
        }
    }

    @Test("A failed probe opens the circuit again")
    func failedProbeReopens() async throws {
        let recorder = RequestRecorder()
        try await withScriptedServer(routes: { router in
            router.get("/status") { _, _ -> Response in
                recorder.record()
                return Response(status: .serviceUnavailable)
            }
        }) { base in
            let client = makeTestClient(maxAttempts: 1, threshold: 2, openDuration: .milliseconds(200))
            let request = HTTPRequest.get("\(base)/status", upstream: "sts")
            _ = try await client.send(request)
            _ = try await client.send(request)
            #expect(client.isOffline("sts"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(request).status == 503)
            #expect(recorder.count == 3)
            await #expect(throws: HTTPError.self) { try await client.send(request) }
            #expect(recorder.count == 3)
        }
    }
}
