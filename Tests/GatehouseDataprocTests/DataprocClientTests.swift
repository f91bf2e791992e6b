import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseTesting
import Testing

@Suite("Dataproc client against the sandbox")
struct DataprocClientTests {
    @Test func submitIsIdempotentByRequestIDAndGetListCancelWork() async throws {
        let harness = try await DataprocHarness.start()
        do {
            let spec = try DataprocHarness.pyspark()
            let job = spec.submission(jobID: "gh-client-1", location: harness.location)
            let first = try await harness.client.submit(job, requestID: "gh-client-1", at: harness.location)
            let again = try await harness.client.submit(job, requestID: "gh-client-1", at: harness.location)
            #expect(first["reference"]?["jobId"] == "gh-client-1")
            #expect(again["jobUuid"] == first["jobUuid"])
            #expect(harness.sandbox.dataproc.jobs.all.count == 1)

            let fetched = try await harness.client.job("gh-client-1", at: harness.location)
            #expect(fetched["status"]?["state"] == "PENDING")
            let page = try await harness.client.list(at: harness.location, clusterName: "analytics-cluster")
            #expect(page["jobs"]?.arrayValue?.count == 1)
            let cancelled = try await harness.client.cancel("gh-client-1", at: harness.location)
            #expect(cancelled["status"]?["state"] == "CANCELLED")
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func googleErrorsBecomeTypedErrors() async throws {
        let harness = try await DataprocHarness.start()
        do {
            // 404 NOT_FOUND: permanent.
            let notFound = await #expect(throws: DataprocError.self) { try await harness.client.job("gh-missing", at: harness.location) }
            guard case .upstream(404, "NOT_FOUND", let message, _)? = notFound else {
                Issue.record("got \(String(describing: notFound))")
                throw CancellationError()
            }
            #expect(message.contains("gh-missing") && notFound?.isRetryable == false)
            // 400 from a bad project id: permanent, with Google's message.
            let bad = DataprocLocation(project: "X", region: "europe-west1", cluster: "c")
            let job = try DataprocHarness.pyspark().submission(jobID: "gh-x", location: bad)
            let invalid = await #expect(throws: DataprocError.self) { try await harness.client.submit(job, requestID: "gh-x", at: bad) }
            guard case .upstream(400, _, let badMessage, _)? = invalid else {
                Issue.record("got \(String(describing: invalid))")
                throw CancellationError()
            }
            #expect(badMessage.contains("Invalid project id") && invalid?.isRetryable == false)
            // 503 twice (the HTTP client retries once): retryable.
            try await harness.sandbox.setFault(SandboxFault(kind: .status, count: 2, status: 503), on: .dataproc)
            let unavailable = await #expect(throws: DataprocError.self) { try await harness.client.job("gh-any", at: harness.location) }
            #expect(unavailable?.isRetryable == true, "\(String(describing: unavailable))")
            // Down: unreachable, retryable.
            try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            let down = await #expect(throws: DataprocError.self) { try await harness.client.job("gh-any", at: harness.location) }
            guard case .unreachable? = down else {
                Issue.record("got \(String(describing: down))")
                throw CancellationError()
            }
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func tokenFailuresAreRetryableAndNeverQuoteTheToken() async throws {
        let harness = try await DataprocHarness.start()
        let failing = DataprocClient(http: harness.http, baseURL: harness.sandbox.dataprocURL.absoluteString) {
            struct NotSignedIn: Error, CustomStringConvertible { var description: String { "not signed in; run `gatehouse login`" } }
            throw NotSignedIn()
        }
        let wrong = DataprocClient(http: harness.http, baseURL: harness.sandbox.dataprocURL.absoluteString) { "secret-token-value-123" }
        do {
            await #expect(throws: DataprocError.credentials("not signed in; run `gatehouse login`")) {
                _ = try await failing.job("gh-1", at: harness.location)
            }
            let refused = await #expect(throws: DataprocError.self) { try await wrong.job("gh-1", at: harness.location) }
            guard case .upstream(401, _, _, _)? = refused else {
                Issue.record("got \(String(describing: refused))")
                throw CancellationError()
            }
            #expect(refused?.isRetryable == true && refused?.description.contains("secret-token-value-123") == false)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}
