import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Fault injection")
struct FaultInjectionTests {
    private func setFault(_ sandbox: Sandbox, _ upstream: String, _ fault: JSONValue) async throws {
        let response = try await LoopbackHTTP.postJSON(sandbox.adminURL.with("/admin/faults/\(upstream)"), fault)
        #expect(response.status == 200)
    }

    @Test func statusFaultAnswersForTheNextNRequestsOnly() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "backstage", ["kind": "status", "status": 503, "count": 2])
            let url = sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=1")
            let first = try await LoopbackHTTP.get(url)
            #expect(first.status == 503)
            #expect(first.json?.value(at: "error.name")?.stringValue == "ServiceUnavailableError")
            #expect(try await LoopbackHTTP.get(url).status == 503)
            #expect(try await LoopbackHTTP.get(url).status == 200)
        }
    }

    @Test func rateLimitSendsRetryAfter() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "dataproc", ["kind": "ratelimit", "retryAfter": 7])
            let response = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath), headers: sandbox.bearer())
            #expect(response.status == 429)
            #expect(response.headers["retry-after"] == "7")
            #expect(response.json?.value(at: "error.status")?.stringValue == "RESOURCE_EXHAUSTED")
        }
    }

    @Test func garbageBodyIsNotJSON() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "backstage", ["kind": "garbage"])
            let response = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query"))
            #expect(response.status == 200)
            #expect(response.json == nil)
            #expect(try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query")).json != nil)
        }
    }

    @Test func downRefusesConnectionsUntilCleared() async throws {
        try await withManualSandbox { sandbox in
            let url = sandbox.lookerURL.with("/api/4.0/dashboards/12")
            try await setFault(sandbox, "looker", ["kind": "down"])
            await #expect(throws: (any Error).self) { _ = try await LoopbackHTTP.get(url) }
            #expect(try await LoopbackHTTP.send("DELETE", sandbox.adminURL.with("/admin/faults/looker")).status == 200)
            #expect(try await LoopbackHTTP.get(url).status == 401)
        }
    }

    @Test func resetAfterBodyDoesTheWorkButNeverAnswers() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "dataproc", ["kind": "reset-after-body"])
            let url = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            let auth = sandbox.bearer()
            await #expect(throws: (any Error).self) {
                _ = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "once"), headers: auth)
            }
            #expect(sandbox.dataproc.jobs.all.count == 1)
            let retry = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "once"), headers: auth)
            #expect(retry.status == 200)
            #expect(retry.json?.value(at: "reference.jobId")?.stringValue == sandbox.dataproc.jobs.all.first?.jobId)
            #expect(sandbox.dataproc.jobs.all.count == 1)
            let log = try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/requests?upstream=dataproc"))
            #expect(log.json?["requests"]?.arrayValue?.first?["fault"]?.stringValue == "reset-after-body")
        }
    }

    @Test func dropOnPageFailsThatPageOnce() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "backstage", ["kind": "drop-on-page", "page": 2])
            let first = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=5"))
            let cursor = try #require(first.json?.value(at: "pageInfo.nextCursor")?.stringValue)
            let second = sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=5&cursor=\(cursor)")
            await #expect(throws: (any Error).self) { _ = try await LoopbackHTTP.get(second) }
            #expect(try await LoopbackHTTP.get(second).status == 200)
        }
    }

    @Test func expireTokensAndRevokeRefuseCredentials() async throws {
        try await withManualSandbox { sandbox in
            let alice = try await sandbox.lookerAuth(clientId: "alice-client-id", secret: "alice-client-secret")
            try await setFault(sandbox, "looker", ["kind": "expire-tokens"])
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: alice).status == 401)
            // The session is gone for good, not only for the one faulted request.
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: alice).status == 401)

            let auth = sandbox.bearer()
            try await setFault(sandbox, "dataproc", ["kind": "revoke"])
            #expect(try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath), headers: auth).status == 401)
            #expect(try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath), headers: auth).status == 401)
            _ = try await LoopbackHTTP.send("DELETE", sandbox.adminURL.with("/admin/faults/dataproc?kind=revoke"))
            #expect(try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath), headers: auth).status == 200)
        }
    }

    @Test func slowIsRecordedAndTheAnswerStillArrives() async throws {
        try await withManualSandbox { sandbox in
            try await setFault(sandbox, "backstage", ["kind": "slow", "milliseconds": 50])
            #expect(try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=1")).status == 200)
            #expect(sandbox.requestLog.recent(upstream: .backstage).last?.fault == "slow")
        }
    }

    @Test func faultFlagsParse() throws {
        let (upstream, fault) = try SandboxFault.parse("dataproc=status:502:3")
        #expect(upstream == .dataproc)
        #expect(fault == SandboxFault(kind: .status, count: 3, status: 502))
        #expect(throws: SandboxFaultParseError.self) { try SandboxFault.parse("nowhere=down") }
        #expect(throws: SandboxFaultParseError.self) { try SandboxFault.parse("looker=explode") }
    }

    @Test func adminClockAndResetWork() async throws {
        try await withManualSandbox { sandbox in
            let before = sandbox.clock.now
            let advanced = try await LoopbackHTTP.postJSON(sandbox.adminURL.with("/admin/clock/advance"), ["seconds": 90])
            #expect(advanced.status == 200)
            #expect(sandbox.clock.now.timeIntervalSince(before) == 90)
            _ = try await LoopbackHTTP.postJSON(
                sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), Sandbox.submitBody(requestId: "r"), headers: sandbox.bearer())
            #expect(sandbox.dataproc.jobs.all.count == 1)
            #expect(try await LoopbackHTTP.send("POST", sandbox.adminURL.with("/admin/reset")).status == 200)
            #expect(sandbox.dataproc.jobs.all.isEmpty)
        }
    }
}
