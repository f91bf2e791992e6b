import Foundation
import GatehouseCore
import GatehouseTestSupport

@testable import GatehouseTesting

/// Runs `body` against a fresh in-process sandbox on ephemeral ports with a manual clock.
func withManualSandbox<T>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (Sandbox) async throws -> T
) async throws -> T {
    try await withSandbox(
        {
            $0.clockMode = .manual
            configure(&$0)
        }, body)
}

/// Like `withSandbox`, for a test that checks the sandbox against the published specs: fails with
/// a message naming `$GATEHOUSE_SANDBOX_FIXTURES` when no specs directory is given.
func withStrictSandbox<T>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (Sandbox) async throws -> T
) async throws -> T {
    let fixtures = try SandboxFixtures.required()
    return try await withManualSandbox(
        {
            $0.fixturesDirectory = fixtures.contractsDirectory?.path
            configure(&$0)
        }, body)
}

extension Sandbox {
    var jobsPath: String { "/v1/projects/demo-project/regions/europe-west1/jobs" }

    func bearer() -> [String: String] { ["Authorization": "Bearer \(issueAccessToken().token)"] }

    /// A valid pyspark submit body.
    static func submitBody(requestId: String?, jobId: String? = nil, main: String = "gs://bucket/main.py") -> JSONValue {
        var job: [String: JSONValue] = [
            "placement": ["clusterName": "analytics-cluster"], "pysparkJob": ["mainPythonFileUri": .string(main)],
            "labels": ["env": "staging"],
        ]
        if let jobId { job["reference"] = ["jobId": .string(jobId)] }
        var body: [String: JSONValue] = ["job": .object(job)]
        if let requestId { body["requestId"] = .string(requestId) }
        return .object(body)
    }

    /// Logs in to Looker with a user's API credentials and returns the header to send.
    func lookerAuth(clientId: String, secret: String) async throws -> [String: String] {
        let response = try await LoopbackHTTP.send(
            "POST", lookerURL.with("/api/4.0/login"), headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Data("client_id=\(clientId)&client_secret=\(secret)".utf8))
        let token = response.json?["access_token"]?.stringValue ?? ""
        return ["Authorization": "token \(token)"]
    }
}
