import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Dataproc sandbox")
struct DataprocSandboxTests {
    @Test func sameRequestIdGivesTheSameJobOnce() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            let url = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            let first = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "req-42"), headers: auth)
            let second = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "req-42"), headers: auth)
            #expect(first.status == 200)
            #expect(second.status == 200)
            let jobId = try #require(first.json?.value(at: "reference.jobId")?.stringValue)
            #expect(second.json?.value(at: "reference.jobId")?.stringValue == jobId)
            let admin = try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/dataproc/jobs"))
            let jobs = admin.json?["jobs"]?.arrayValue ?? []
            #expect(jobs.count == 1)
            #expect(jobs.first?["requestId"]?.stringValue == "req-42")
        }
    }

    @Test func existingJobIdIsAConflict() async throws {
        try await withManualSandbox { sandbox in
            let url = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            let auth = sandbox.bearer()
            #expect(try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: nil, jobId: "nightly-1"), headers: auth).status == 200)
            let again = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "other", jobId: "nightly-1"), headers: auth)
            #expect(again.status == 409)
            #expect(again.json?.value(at: "error.status")?.stringValue == "ALREADY_EXISTS")
        }
    }

    @Test func statesMoveOnTheSandboxClock() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            let url = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            let ok = try await LoopbackHTTP.postJSON(url, Sandbox.submitBody(requestId: "a", jobId: "ok-job"), headers: auth)
            let failing = try await LoopbackHTTP.postJSON(
                url, Sandbox.submitBody(requestId: "b", jobId: "bad-job", main: "gs://b/fail.py"), headers: auth)
            #expect(ok.json?.value(at: "status.state")?.stringValue == "PENDING")
            #expect(failing.json?["done"]?.boolValue == false)

            func state(_ jobId: String) async throws -> JSONValue? {
                try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "/\(jobId)"), headers: auth).json
            }
            sandbox.clock.advance(by: 2)
            #expect(try await state("ok-job")?.value(at: "status.state")?.stringValue == "RUNNING")
            sandbox.clock.advance(by: 2)
            let done = try await state("ok-job")
            #expect(done?.value(at: "status.state")?.stringValue == "DONE")
            #expect(done?["done"]?.boolValue == true)
            #expect(done?["statusHistory"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["PENDING", "RUNNING"])
            #expect(done?.value(at: "placement.clusterUuid")?.stringValue != nil)
            #expect(done?["driverOutputResourceUri"]?.stringValue?.hasPrefix("gs://") == true)
            #expect(try await state("bad-job")?.value(at: "status.state")?.stringValue == "ERROR")

            let active = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "?filter=status.state%20%3D%20ACTIVE%20AND%20labels.env%20%3D%20staging"), headers: auth)
            #expect(active.json?["jobs"]?.arrayValue?.isEmpty ?? true)
            let finished = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "?jobStateMatcher=NON_ACTIVE&pageSize=1"), headers: auth)
            #expect(finished.json?["jobs"]?.arrayValue?.count == 1)
            #expect(finished.json?["nextPageToken"]?.stringValue != nil)
        }
    }

    @Test func cancelMovesAnActiveJobToCancelled() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            _ = try await LoopbackHTTP.postJSON(
                sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), Sandbox.submitBody(requestId: "c", jobId: "to-cancel"), headers: auth)
            let cancelled = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(sandbox.jobsPath + "/to-cancel:cancel"), [:], headers: auth)
            #expect(cancelled.json?.value(at: "status.state")?.stringValue == "CANCELLED")
            let again = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(sandbox.jobsPath + "/to-cancel:cancel"), [:], headers: auth)
            #expect(again.status == 400)
            #expect(again.json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")
        }
    }

    /// Bad submit bodies as JSON text, each with the word its 400 message must name.
    static let badSubmits: [(String, String)] = [
        (#"{"job":{"placement":{"clusterName":"c"},"pysparkJob":{"mainPythonFileUri":"gs://b/m.py"}},"extra":1}"#, "extra"),
        (#"{"job":{"pysparkJob":{"mainPythonFileUri":"gs://b/m.py"}}}"#, "clusterName"),
        (#"{"job":{"placement":{"clusterName":"c"},"pysparkJob":{},"sparkJob":{}}}"#, "exactly one job type"),
        (#"{"job":{"placement":{"clusterName":"c"},"pysparkJob":{"args":"not-a-list"}}}"#, "pysparkJob.args"),
        (#"{"requestId":"has spaces","job":{"placement":{"clusterName":"c"},"pysparkJob":{}}}"#, "requestId"),
    ]

    @Test(arguments: badSubmits)
    func strictValidationNamesTheViolation(bodyText: String, mentions: String) async throws {
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(bodyText.utf8))
        try await withStrictSandbox { sandbox in
            let response = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), body, headers: sandbox.bearer())
            #expect(response.status == 400)
            #expect(response.json?.value(at: "error.code")?.intValue == 400)
            #expect(response.json?.value(at: "error.message")?.stringValue?.contains(mentions) == true)
            #expect(sandbox.dataproc.jobs.all.isEmpty)
        }
    }

    @Test func tokensAreCheckedForPresenceExpiryAndScope() async throws {
        try await withManualSandbox { sandbox in
            let url = sandbox.dataprocURL.with(sandbox.jobsPath)
            let missing = try await LoopbackHTTP.get(url)
            #expect(missing.status == 401)
            #expect(missing.json?.value(at: "error.status")?.stringValue == "UNAUTHENTICATED")
            let narrow = sandbox.issueAccessToken(scopes: ["openid"])
            #expect(try await LoopbackHTTP.get(url, headers: ["Authorization": "Bearer \(narrow.token)"]).status == 403)
            let auth = sandbox.bearer()
            #expect(try await LoopbackHTTP.get(url, headers: auth).status == 200)
            sandbox.clock.advance(by: 3601)
            #expect(try await LoopbackHTTP.get(url, headers: auth).status == 401)
            #expect(try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?pageSize=x"), headers: sandbox.bearer()).status == 400)
        }
    }
}
