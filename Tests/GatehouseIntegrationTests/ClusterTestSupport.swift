import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// The real daemon against the in-process sandbox, signed in as alice with the catalog synced, and
/// a policy that lets owners create and delete clusters (Gatehouse grants no cluster action by default).
/// Clusters need no approval here (only production jobs do): the oversight tests cover approvals.
final class ClusterEnvironment: Sendable {
    /// Owned by team-a (alice), annotated with demo-project/europe-west1.
    static let entity = "component:default/engagement-reports"
    /// The label Gatehouse writes for alice.
    static let aliceLabel = "alice-example-com"

    let sandbox: Sandbox
    let daemon: TestDaemon

    private init(sandbox: Sandbox, daemon: TestDaemon) {
        self.sandbox = sandbox
        self.daemon = daemon
    }

    /// A fresh environment; `requireApproval` is `oversight.require_approval` (default: production jobs only).
    static func start(requireApproval: String = "job.submit@production") async throws -> ClusterEnvironment {
        var configuration = SandboxConfiguration()
        configuration.dataprocStepSeconds = 2
        let sandbox = try await Sandbox.start(configuration)
        let daemon: TestDaemon
        do {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("gh-cl-rules-\(UUID().uuidString.prefix(8)).yaml").path
            try """
            rules:
              - name: owners-manage-clusters
                effect: allow
                actions: [cluster.create, cluster.delete]
                owners: true
            """.write(toFile: root, atomically: true, encoding: .utf8)
            daemon = try TestDaemon(
                config: """
                    \(sandboxIdentityAndCatalogYAML(sandbox, configuration))
                    policy:
                      rules_file: \(root)
                    oversight:
                      require_approval: [\(requireApproval)]
                    dataproc:
                      base_url: \(sandbox.dataprocURL.absoluteString)
                      request_timeout_seconds: 2
                      retry_max_seconds: 1
                      offline_probe_seconds: 1
                      poll_max_seconds: 1
                    clusters:
                      templates: ["small: workers=2 machine=n2-standard-2 image=2.2-debian12"]
                      idle_delete_ttl: 30m
                      auto_delete_ttl: 2h
                      max_auto_delete_ttl: 4h
                      teardown_wait_seconds: 15
                    """)
            try await daemon.start()
            try await daemon.signIn(sandbox: sandbox, as: "alice")
            _ = try await daemon.call("catalog.sync")
        } catch {
            await sandbox.stop()
            throw error
        }
        return ClusterEnvironment(sandbox: sandbox, daemon: daemon)
    }

    /// Runs `body` in a fresh environment and stops it afterwards, also when `body` fails.
    static func with(requireApproval: String = "job.submit@production", _ body: (ClusterEnvironment) async throws -> Void) async throws {
        let environment = try await start(requireApproval: requireApproval)
        do {
            try await body(environment)
        } catch {
            await environment.stop()
            throw error
        }
        await environment.stop()
    }

    func stop() async {
        daemon.stop()
        await sandbox.stop()
    }

    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        try await daemon.call(method, params)
    }

    /// Creates a cluster for `entity` through RPC and returns its local id.
    func create(template: String? = nil, entity: String = ClusterEnvironment.entity) async throws -> String {
        var params: [String: JSONValue] = ["entity": .string(entity)]
        if let template { params["template"] = .string(template) }
        let answer = try await call("cluster.create", .object(params))
        return try #require(answer["clusterId"]?.stringValue)
    }

    /// The local state of cluster `id`.
    func state(_ id: String) async throws -> String? {
        try await call("cluster.get", ["id": .string(id)])["state"]?.stringValue
    }

    /// Syncs the catalog, up to `attempts` times, until a `cluster.teardown` is audited (the
    /// ownership check runs after each sync, as it would after the periodic one); whether one was.
    func teardownRecorded(syncing attempts: Int) async throws -> Bool {
        for _ in 0..<attempts {
            _ = try await call("catalog.sync")
            let recorded = try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                try await call("audit.query", ["method": "cluster.teardown"])["records"]?.arrayValue?.isEmpty == false
            }
            if recorded { return true }
        }
        return false
    }

    /// The sandbox Dataproc's own clusters, read through its admin API.
    func upstreamClusters() async throws -> [JSONValue] {
        let url = sandbox.adminURL.appendingPathComponent("admin/dataproc/clusters").absoluteString
        let fetched = try await offPool { try TestDaemon.run("/usr/bin/curl", ["-sS", "--max-time", "30", url]) }
        return try JSONDecoder().decode(JSONValue.self, from: Data(fetched.stdout.utf8))["clusters"]?.arrayValue ?? []
    }

    /// The sandbox's record of the cluster named `name`.
    func upstream(_ name: String) async throws -> JSONValue? {
        try await upstreamClusters().first { $0["clusterName"]?.stringValue == name }
    }

    /// Creates a cluster directly on the sandbox (not through Gatehouse) with `labels`.
    func createElsewhere(_ name: String, labels: [String: JSONValue]) async throws {
        let token = sandbox.issueAccessToken(subject: "carol", email: "carol@example.com").token
        let url = sandbox.dataprocURL.absoluteString + "/v1/projects/demo-project/regions/europe-west1/clusters?requestId=\(name)"
        let body: JSONValue = ["clusterName": .string(name), "projectId": "demo-project", "labels": .object(labels)]
        let result = try await offPool {
            try TestDaemon.run(
                "/usr/bin/curl",
                [
                    "-sS", "--fail-with-body", "--max-time", "30", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                    "-H", "Content-Type: application/json", "--data", body.canonicalString, url,
                ])
        }
        try #require(result.status == 0, "sandbox create failed: \(result.stdout) \(result.stderr)")
    }
}
