import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@testable import GatehouseTesting

/// Calls the sandbox's Serverless batch routes with one token.
private struct BatchClient {
    let sandbox: Sandbox
    let auth: [String: String]
    static let parent = "/v1/projects/demo-project/locations/europe-west1"

    init(_ sandbox: Sandbox) {
        self.sandbox = sandbox
        self.auth = sandbox.bearer()
    }

    static func body(env: String = "dev", main: String = "gs://bucket/main.py") -> JSONValue {
        ["pysparkBatch": ["mainPythonFileUri": .string(main)], "labels": ["env": .string(env)], "runtimeConfig": ["version": "2.2"]]
    }

    func create(_ body: JSONValue = Self.body(), query: String = "") async throws -> LoopbackResponse {
        try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(Self.parent + "/batches" + query), body, headers: auth)
    }

    func get(_ pathAndQuery: String) async throws -> LoopbackResponse {
        try await LoopbackHTTP.get(sandbox.dataprocURL.with(pathAndQuery), headers: auth)
    }

    func batch(_ id: String) async throws -> JSONValue? { try await get(Self.parent + "/batches/\(id)").json }

    func list(_ query: String) async throws -> [String]? {
        try await get(Self.parent + "/batches?" + query).json?["batches"]?.arrayValue?.compactMap {
            $0["name"]?.stringValue?.components(separatedBy: "/").last
        }
    }

    func delete(_ id: String) async throws -> LoopbackResponse {
        try await LoopbackHTTP.send("DELETE", sandbox.dataprocURL.with(Self.parent + "/batches/\(id)"), headers: auth)
    }
}

@Suite("Dataproc sandbox: Serverless batches")
struct DataprocBatchTests {
    @Test func batchIdAndRequestIdMakeCreatesIdempotent() async throws {
        try await withManualSandbox { sandbox in
            let client = BatchClient(sandbox)
            let first = try await client.create(query: "?batchId=nightly-7&requestId=req-1")
            let second = try await client.create(query: "?batchId=nightly-7&requestId=req-1")
            #expect(first.status == 200, "\(first.text)")
            let operation = try #require(first.json?["name"]?.stringValue)
            #expect(operation.hasPrefix("projects/demo-project/regions/europe-west1/operations/"))
            #expect(second.json?["name"]?.stringValue == operation)
            #expect(first.json?.value(at: "metadata.batch")?.stringValue == "projects/demo-project/locations/europe-west1/batches/nightly-7")
            #expect(first.json?.value(at: "metadata.@type")?.stringValue == "type.googleapis.com/google.cloud.dataproc.v1.BatchOperationMetadata")
            #expect(sandbox.dataproc.batches.all.count == 1)

            let taken = try await client.create(query: "?batchId=nightly-7&requestId=req-2")
            #expect(taken.status == 409)
            #expect(taken.json?.value(at: "error.status")?.stringValue == "ALREADY_EXISTS")

            // Deleted, then the create resent (an ambiguous failure retried late): the first operation, no second batch.
            sandbox.clock.advance(by: 10)
            #expect(try await client.delete("nightly-7").status == 200)
            let late = try await client.create(query: "?batchId=nightly-7&requestId=req-1")
            #expect(late.json?["name"]?.stringValue == operation)
            #expect(sandbox.dataproc.batches.all.isEmpty)
            let generated = try await client.create()
            #expect(
                generated.json?.value(at: "metadata.batch")?.stringValue?.hasPrefix("projects/demo-project/locations/europe-west1/batches/") == true)
        }
    }

    /// Bad creates, each with the word its 400 message must name.
    static let badCreates: [(query: String, body: JSONValue, mentions: String)] = [
        ("?batchId=abc", BatchClient.body(), "batchId"),
        ("?batchId=Upper-Case", BatchClient.body(), "batchId"),
        ("?requestId=has%20space", BatchClient.body(), "requestId"),
        ("", ["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "sparkBatch": ["mainClass": "x.Main"]], "exactly one workload"),
        ("", ["labels": ["env": "dev"]], "exactly one workload"),
        ("", ["pysparkBatch": ["args": ["x"]]], "mainPythonFileUri"),
        ("", ["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "cluster": "c"], "cluster"),
        ("", ["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "runtimeConfig": ["autotuningConfig": ["scenarios": [1]]]], "TYPE_ENUM"),
        ("", ["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "labels": ["Env": "dev"]], "Env"),
        ("", ["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "environmentConfig": ["executionConfig": ["ttl": 5]]], "ttl"),
    ]

    @Test(arguments: badCreates.indices)
    func createIsCheckedAgainstTheSchemaAndItsRules(index: Int) async throws {
        let bad = Self.badCreates[index]
        try await withStrictSandbox { sandbox in
            let response = try await BatchClient(sandbox).create(bad.body, query: bad.query)
            #expect(response.status == 400, "\(bad.mentions): \(response.text)")
            #expect(response.text.contains(bad.mentions), "\(response.text)")
            #expect(sandbox.dataproc.batches.all.isEmpty)
        }
    }

    @Test func statesFollowTheClockAndTheOperationEndsWithTheBatch() async throws {
        try await withManualSandbox { sandbox in
            let client = BatchClient(sandbox)
            var body = BatchClient.body().objectValue ?? [:]
            body["runtimeConfig"] = ["autotuningConfig": ["scenarios": [4, "SCALING"]]]  // MEMORY is 4 in the proto, 3rd in the list
            let created = try await client.create(.object(body), query: "?batchId=runs-ok")
            let failed = try await client.create(BatchClient.body(main: "gs://b/fail.py"), query: "?batchId=runs-bad")
            #expect(created.json?["done"]?.boolValue == false)
            let fresh = try await client.batch("runs-ok")
            #expect(fresh?["state"]?.stringValue == "PENDING")
            #expect(fresh?.value(at: "runtimeConfig.autotuningConfig.scenarios")?.arrayValue?.compactMap(\.stringValue) == ["MEMORY", "SCALING"])
            #expect(fresh?["creator"]?.stringValue == "alice@example.com")
            #expect(fresh?.value(at: "runtimeInfo.outputUri") == nil, "no output before it runs")
            #expect(try await client.delete("runs-ok").json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")

            sandbox.clock.advance(by: 2)
            let running = try await client.batch("runs-ok")
            #expect(running?["state"]?.stringValue == "RUNNING")
            #expect(running?.value(at: "runtimeInfo.outputUri")?.stringValue?.hasPrefix("gs://") == true)
            sandbox.clock.advance(by: 2)
            let done = try await client.batch("runs-ok")
            #expect(done?["state"]?.stringValue == "SUCCEEDED")
            #expect(done?["stateHistory"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["PENDING", "RUNNING"])

            let operation = try await client.get("/v1/" + (created.json?["name"]?.stringValue ?? "")).json
            #expect(operation?["done"]?.boolValue == true)
            #expect(operation?.value(at: "response.@type")?.stringValue == "type.googleapis.com/google.cloud.dataproc.v1.Batch")
            #expect(operation?.value(at: "response.state")?.stringValue == "SUCCEEDED")
            #expect(operation?.value(at: "metadata.doneTime")?.stringValue != nil)
            let failure = try await client.get("/v1/" + (failed.json?["name"]?.stringValue ?? "")).json
            #expect(failure?["error"]?["code"]?.intValue == 13)
            #expect(try await client.batch("runs-bad")?["state"]?.stringValue == "FAILED")
            #expect(try await client.batch("runs-bad")?["stateMessage"]?.stringValue?.isEmpty == false)
            #expect(try await client.delete("runs-ok").status == 200)
            #expect(try await client.get(BatchClient.parent + "/batches/runs-ok").status == 404)
        }
    }

    @Test func cancellingTheOperationCancelsTheBatch() async throws {
        try await withManualSandbox { sandbox in
            let client = BatchClient(sandbox)
            let created = try await client.create(query: "?batchId=to-cancel")
            let name = try #require(created.json?["name"]?.stringValue)
            let cancel = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with("/v1/\(name):cancel"), [:], headers: client.auth)
            #expect(cancel.status == 200, "\(cancel.text)")
            #expect(try await client.batch("to-cancel")?["state"]?.stringValue == "CANCELLING")
            let twice = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with("/v1/\(name):cancel"), [:], headers: client.auth)
            #expect(twice.json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")
            sandbox.clock.advance(by: 2)
            #expect(try await client.batch("to-cancel")?["state"]?.stringValue == "CANCELLED")
            let operation = try await client.get("/v1/" + name).json
            #expect(operation?["done"]?.boolValue == true)
            #expect(operation?["error"]?["code"]?.intValue == 1)
            let batchOps = try await client.get("/v1/projects/demo-project/regions/europe-west1/operations?filter=operationType+%3D+BATCH").json
            #expect(batchOps?["operations"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [name])
        }
    }

    @Test func listFiltersOnStateLabelsTimeAndIds() async throws {
        try await withManualSandbox { sandbox in
            let client = BatchClient(sandbox)
            _ = try await client.create(BatchClient.body(env: "dev"), query: "?batchId=old-dev")
            sandbox.clock.advance(by: 10)
            let cutoff = GoogleTime.timestamp(sandbox.clock.now)
            _ = try await client.create(BatchClient.body(env: "prod"), query: "?batchId=new-prod")
            _ = try await client.create(BatchClient.body(env: "dev"), query: "?batchId=new-dev")
            #expect(try await client.list("") == ["new-dev", "new-prod", "old-dev"])
            #expect(try await client.list("filter=state+%3D+PENDING+and+labels.env+%3D+dev") == ["new-dev"])
            #expect(try await client.list("filter=state+%3D+SUCCEEDED+OR+labels.env+%3D+prod") == ["new-prod", "old-dev"])
            #expect(try await client.list("filter=create_time+%3C+%22\(cutoff)%22") == ["old-dev"])
            #expect(try await client.list("filter=batch_id+!%3D+new-dev+AND+labels.env%3Ddev") == ["old-dev"])
            #expect(try await client.list("orderBy=create_time+desc&pageSize=1") == ["new-dev"])
            for bad in ["filter=color+%3D+red", "filter=state+%3E+RUNNING", "filter=state+%3D", "orderBy=create_time+asc"] {
                #expect(try await client.get(BatchClient.parent + "/batches?" + bad).status == 400, "\(bad)")
            }
        }
    }
}
