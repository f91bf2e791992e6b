import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Calls and sign-in for tests that drive the real daemon from async code. Every blocking socket
/// call runs on a thread of its own: the in-process sandbox needs the (two) cooperative threads.
extension TestDaemon {
    /// One call on a fresh connection.
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        try await offPool { try self.client().call(method, params: params) }
    }

    /// The RPC error a call fails with, or nil when it succeeds.
    func failure(_ method: String, _ params: JSONValue? = nil) async throws -> RPCError? {
        do {
            _ = try await call(method, params)
            return nil
        } catch RPCClientError.rpc(let error) {
            return error
        }
    }

    /// Device flow against the sandbox provider: the daemon starts it, the sandbox approves it as `subject`.
    func signIn(sandbox: Sandbox, as subject: String) async throws {
        let challenge = try await call("auth.login.start", ["method": "device"])
        let userCode = try #require(challenge["userCode"]?.stringValue)
        let id = try #require(challenge["id"]?.stringValue)
        try sandbox.oidc.approveDevice(userCode: userCode, subject: subject)
        for _ in 0..<300 {
            let status = try await call("auth.login.status", ["id": .string(id)])
            if status["state"] == "signed_in" { return }
            try #require(status["state"] == "pending", "sign-in failed: \(status)")
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("sign-in did not finish in 30 s")
    }
}

/// The config sections every sandbox-backed daemon test shares: sign-in at the sandbox provider
/// (with the STS and IAM exchange to Google) and the sandbox catalog, synced on request only.
func sandboxIdentityAndCatalogYAML(_ sandbox: Sandbox, _ configuration: SandboxConfiguration = SandboxConfiguration()) -> String {
    """
    identity:
      issuer: \(sandbox.oidcIssuerURL.absoluteString)
      client_id: gatehouse
      workload_identity_audience: \(configuration.workloadProviderAudience)
      sts_url: \(sandbox.stsURL.absoluteString)/v1/token
      iam_credentials_url: \(sandbox.iamCredentialsURL.absoluteString)
    catalog:
      base_url: \(sandbox.backstageURL.absoluteString)
      sync_interval_seconds: 0
    """
}
