import Foundation
import GatehouseCore

@testable import GatehouseTesting

/// Calls the sandbox's Dataproc cluster and operation routes with one token.
struct ClusterClient {
    let sandbox: Sandbox
    let auth: [String: String]
    static let region = "/v1/projects/demo-project/regions/europe-west1"

    init(_ sandbox: Sandbox) {
        self.sandbox = sandbox
        // A day: cluster tests move the clock past the default token lifetime.
        self.auth = ["Authorization": "Bearer \(sandbox.issueAccessToken(lifetime: 86_400).token)"]
    }

    /// A valid create body; `lifecycle` becomes `config.lifecycleConfig`.
    static func body(_ name: String, labels: [String: JSONValue] = ["team": "data"], lifecycle: [String: JSONValue]? = nil) -> JSONValue {
        var config: [String: JSONValue] = ["workerConfig": ["numInstances": 2, "machineTypeUri": "n2-standard-8"]]
        if let lifecycle { config["lifecycleConfig"] = .object(lifecycle) }
        return ["projectId": "demo-project", "clusterName": .string(name), "labels": .object(labels), "config": .object(config)]
    }

    func create(_ body: JSONValue, requestId: String? = nil) async throws -> LoopbackResponse {
        let query = requestId.map { "?requestId=\($0)" } ?? ""
        return try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(Self.region + "/clusters" + query), body, headers: auth)
    }

    func get(_ pathAndQuery: String) async throws -> LoopbackResponse {
        try await LoopbackHTTP.get(sandbox.dataprocURL.with(Self.region + pathAndQuery), headers: auth)
    }

    func delete(_ name: String, query: String = "") async throws -> LoopbackResponse {
        try await LoopbackHTTP.send("DELETE", sandbox.dataprocURL.with(Self.region + "/clusters/\(name)" + query), headers: auth)
    }

    func patch(_ name: String, mask: String?, _ body: JSONValue) async throws -> LoopbackResponse {
        var headers = auth
        headers["Content-Type"] = "application/json"
        let query = mask.map { "?updateMask=\($0)" } ?? ""
        return try await LoopbackHTTP.send(
            "PATCH", sandbox.dataprocURL.with(Self.region + "/clusters/\(name)" + query), headers: headers, body: body.canonicalData())
    }

    func state(_ name: String) async throws -> String? {
        try await get("/clusters/\(name)").json?.value(at: "status.state")?.stringValue
    }

    /// The operation behind `response` as `operations.get` shows it now.
    func operation(of response: LoopbackResponse) async throws -> JSONValue? {
        guard let name = response.json?["name"]?.stringValue else { return nil }
        return try await LoopbackHTTP.get(sandbox.dataprocURL.with("/v1/" + name), headers: auth).json
    }

    /// The sandbox's own record of every cluster (`GET /admin/dataproc/clusters`).
    func adminClusters() async throws -> [JSONValue] {
        try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/dataproc/clusters")).json?["clusters"]?.arrayValue ?? []
    }

    func submitJob(on cluster: String) async throws -> LoopbackResponse {
        var body = Sandbox.submitBody(requestId: nil)
        body = body.setting(["job", "placement", "clusterName"], to: .string(cluster))
        return try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), body, headers: auth)
    }
}
