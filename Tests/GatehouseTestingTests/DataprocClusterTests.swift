import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Dataproc sandbox clusters")
struct DataprocClusterTests {
    @Test func createReturnsAnOperationThatCompletesWhenTheClusterRuns() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            let created = try await client.create(ClusterClient.body("analytics-1"))
            #expect(created.status == 200)
            let operation = try #require(created.json)
            #expect(operation["name"]?.stringValue?.hasPrefix("projects/demo-project/regions/europe-west1/operations/") == true)
            #expect(operation["done"]?.boolValue == false)
            #expect(operation.value(at: "metadata.operationType")?.stringValue == "CREATE")
            #expect(operation.value(at: "metadata.clusterName")?.stringValue == "analytics-1")
            #expect(try await client.state("analytics-1") == "CREATING")

            sandbox.clock.advance(by: 2)
            #expect(try await client.state("analytics-1") == "RUNNING")
            let finished = try #require(try await client.operation(of: created))
            #expect(finished["done"]?.boolValue == true)
            #expect(finished.value(at: "metadata.status.state")?.stringValue == "DONE")
            #expect(finished.value(at: "response.@type")?.stringValue == "type.googleapis.com/google.cloud.dataproc.v1.Cluster")
            #expect(finished.value(at: "response.status.state")?.stringValue == "RUNNING")
            let cluster = try #require(try await client.get("/clusters/analytics-1").json)
            #expect(cluster["statusHistory"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["CREATING"])
            #expect(cluster.value(at: "config.workerConfig.instanceNames")?.arrayValue?.count == 2)
            #expect(cluster.value(at: "labels.team")?.stringValue == "data")
            #expect(cluster.value(at: "labels.goog-dataproc-cluster-uuid")?.stringValue == cluster["clusterUuid"]?.stringValue)
        }
    }

    @Test func sameRequestIdCreatesOneClusterEvenThroughAConnectionReset() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            let fault = try await LoopbackHTTP.postJSON(sandbox.adminURL.with("/admin/faults/dataproc"), ["kind": "reset-after-body"])
            #expect(fault.status == 200)
            await #expect(throws: (any Error).self) { _ = try await client.create(ClusterClient.body("once"), requestId: "create-once") }
            let retry = try await client.create(ClusterClient.body("once"), requestId: "create-once")
            let again = try await client.create(ClusterClient.body("once"), requestId: "create-once")
            #expect(retry.status == 200)
            #expect(retry.json?["name"] != nil)
            #expect(retry.json?["name"] == again.json?["name"])
            #expect(sandbox.dataproc.clusters.all.count == 1)
            #expect(sandbox.dataproc.clusters.operations.count == 1)
            let log = try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/requests?upstream=dataproc"))
            #expect(log.json?["requests"]?.arrayValue?.first?["fault"]?.stringValue == "reset-after-body")
        }
    }

    @Test func aTakenNameIsAConflictUntilTheClusterIsGone() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            #expect(try await client.create(ClusterClient.body("shared")).status == 200)
            let clash = try await client.create(ClusterClient.body("shared"))
            #expect(clash.status == 409)
            #expect(clash.json?.value(at: "error.status")?.stringValue == "ALREADY_EXISTS")
            sandbox.clock.advance(by: 2)
            #expect(try await client.delete("shared").status == 200)
            sandbox.clock.advance(by: 2)
            #expect(try await client.create(ClusterClient.body("shared")).status == 200)
            let records = try await client.adminClusters()
            #expect(records.compactMap { $0["state"]?.stringValue } == ["DELETED", "CREATING"])
            #expect(sandbox.dataproc.clusters.all.map(sandbox.dataproc.state(of:)) == ["DELETED", "CREATING"])
            #expect(sandbox.dataproc.clusters.all.first.map(sandbox.dataproc.resource(of:))?.value(at: "status.state")?.stringValue == "DELETING")
        }
    }

    /// Bad create bodies, each with the text its 400 message must name.
    static let badCreates: [(JSONValue, String)] = [
        (ClusterClient.body("Upper-Case"), "Invalid cluster name"),
        (ClusterClient.body("ends-with-hyphen-"), "Invalid cluster name"),
        (ClusterClient.body(String(repeating: "a", count: 52)), "Invalid cluster name"),
        (ClusterClient.body("ok", labels: ["Team": "data"]), "Invalid label key 'Team'"),
        (ClusterClient.body("ok", labels: ["team": "Data"]), "Invalid label value 'Data'"),
        (ClusterClient.body("ok", labels: ["team": .string(String(repeating: "x", count: 64))]), "Invalid label value"),
        (ClusterClient.body("ok", labels: ["goog-dataproc-cluster-name": "x"]), "reserved"),
        (ClusterClient.body("ok", labels: .init(uniqueKeysWithValues: (0..<33).map { ("k\($0)", JSONValue.string("v")) })), "at most 32"),
        (ClusterClient.body("ok", lifecycle: ["autoDeleteTtl": "60s"]), "between 10 minutes and 14 days"),
        (ClusterClient.body("ok", lifecycle: ["idleDeleteTtl": "1h"]), "idleDeleteTtl"),
        (ClusterClient.body("ok", lifecycle: ["autoDeleteTtl": "3600s", "autoDeleteTime": "2099-01-01T00:00:00Z"]), "mutually exclusive"),
        (ClusterClient.body("ok", lifecycle: ["autoDeleteTime": "2000-01-01T00:00:00Z"]), "in the future"),
        (ClusterClient.body("ok", lifecycle: ["deleteSoon": true]), "deleteSoon"),
        (ClusterClient.body("ok").setting(["config", "workerConfig", "numInstances"], to: 1), "at least 2 workers"),
        (ClusterClient.body("ok").setting(["projectId"], to: "other-project"), "does not match"),
        (ClusterClient.body("ok").setting(["clusterName"], to: 7), "TYPE_STRING"),
    ]

    @Test(arguments: badCreates)
    func createIsStrictAboutTheSpecAndNamesTheViolation(body: JSONValue, mentions: String) async throws {
        try await withManualSandbox { sandbox in
            let response = try await ClusterClient(sandbox).create(body)
            #expect(response.status == 400)
            #expect(response.json?.value(at: "error.status")?.stringValue == "INVALID_ARGUMENT")
            #expect(response.json?.value(at: "error.message")?.stringValue?.contains(mentions) == true, "\(response.text)")
            #expect(sandbox.dataproc.clusters.all.isEmpty)
        }
    }

    @Test func badRequestIdAndUnknownQueryParametersAreRefused() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            let badId = try await client.create(ClusterClient.body("ok"), requestId: "not%20valid")
            #expect(badId.status == 400)
            #expect(badId.json?.value(at: "error.message")?.stringValue?.contains("requestId") == true)
            #expect(try await client.get("/clusters?colour=blue").status == 400)
            #expect(try await client.get("/clusters?pageSize=many").status == 400)
            #expect(sandbox.dataproc.clusters.all.isEmpty)
        }
    }

    @Test func listFiltersOnLabelsStateAndName() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("alice-1", labels: ["gatehouse-principal": "alice", "env": "dev"]))
            _ = try await client.create(ClusterClient.body("alice-2", labels: ["gatehouse-principal": "alice"]))
            _ = try await client.create(ClusterClient.body("bob-1", labels: ["gatehouse-principal": "bob", "env": "dev"]))
            func names(_ filter: String) async throws -> [String] {
                let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let response = try await client.get("/clusters?filter=\(encoded)")
                return response.json?["clusters"]?.arrayValue?.compactMap { $0["clusterName"]?.stringValue } ?? []
            }
            #expect(try await names("labels.gatehouse-principal = alice") == ["alice-1", "alice-2"])
            #expect(try await names("labels.gatehouse-principal = \"bob\"") == ["bob-1"])
            #expect(try await names("labels.env = * labels.gatehouse-principal = alice") == ["alice-1"])
            #expect(try await names("status.state = ACTIVE AND clusterName = bob-1") == ["bob-1"])
            #expect(try await names("status.state = RUNNING").isEmpty)
            #expect(try await names("").count == 3)
            let paged = try await client.get("/clusters?pageSize=2")
            #expect(paged.json?["clusters"]?.arrayValue?.count == 2)
            let token = try #require(paged.json?["nextPageToken"]?.stringValue)
            #expect(try await client.get("/clusters?pageSize=2&pageToken=\(token)").json?["clusters"]?.arrayValue?.count == 1)
            #expect(try await client.get("/clusters?filter=owner%20%3D%20alice").status == 400)
            #expect(try await client.get("/clusters?filter=status.state%20%3D%20SLEEPING").status == 400)
        }
    }

    @Test func deleteGoesThroughDeletingAndLeavesARecord() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("short-lived"))
            sandbox.clock.advance(by: 2)
            let deletion = try await client.delete("short-lived", query: "?requestId=del-1")
            #expect(deletion.json?.value(at: "metadata.operationType")?.stringValue == "DELETE")
            #expect(deletion.json?["done"]?.boolValue == false)
            #expect(try await client.delete("short-lived", query: "?requestId=del-1").json?["name"] == deletion.json?["name"])
            #expect(try await client.state("short-lived") == "DELETING")
            let twice = try await client.delete("short-lived")
            #expect(twice.status == 400)
            #expect(twice.json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")

            sandbox.clock.advance(by: 2)
            let gone = try await client.get("/clusters/short-lived")
            #expect(gone.status == 404)
            #expect(gone.json?.value(at: "error.status")?.stringValue == "NOT_FOUND")
            #expect(try await client.get("/clusters").json?["clusters"]?.arrayValue?.isEmpty == true)
            let finished = try await client.operation(of: deletion)
            #expect(finished?["done"]?.boolValue == true)
            #expect(finished?.value(at: "response.@type")?.stringValue == "type.googleapis.com/google.protobuf.Empty")
            let record = try #require(try await client.adminClusters().first)
            #expect(record["state"]?.stringValue == "DELETED")
            #expect(record.value(at: "deletion.reason")?.stringValue == "requested")
            #expect(record.value(at: "labels.team")?.stringValue == "data")
            #expect(try await client.delete("short-lived").status == 404)
            #expect(try await client.delete("never-was").status == 404)
        }
    }

    @Test func autoDeleteTtlDeletesTheClusterOnTheSandboxClock() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("ttl", lifecycle: ["autoDeleteTtl": "600s"]))
            let created = try #require(sandbox.dataproc.clusters.all.first?.createdAt)
            let cluster = try await client.get("/clusters/ttl").json
            #expect(cluster?.value(at: "config.lifecycleConfig.autoDeleteTtl")?.stringValue == "600s")
            #expect(cluster?.value(at: "config.lifecycleConfig.autoDeleteTime") == nil)  // a oneof with autoDeleteTtl
            let planned = try await client.adminClusters().first?.value(at: "deletion")
            #expect(planned?["start"]?.stringValue == GoogleTime.timestamp(created.addingTimeInterval(600)))
            #expect(planned?["reason"]?.stringValue == "autoDelete")
            sandbox.clock.advance(by: 599)
            #expect(try await client.state("ttl") == "RUNNING")
            sandbox.clock.advance(by: 1)
            #expect(try await client.state("ttl") == "DELETING")
            sandbox.clock.advance(by: 2)
            #expect(try await client.get("/clusters/ttl").status == 404)
            let record = try #require(try await client.adminClusters().first)
            #expect(record["state"]?.stringValue == "DELETED")
            #expect(record.value(at: "deletion.reason")?.stringValue == "autoDelete")
            #expect(record.value(at: "lifecycleConfig.autoDeleteTtl")?.stringValue == "600s")
        }
    }

    @Test func idleDeleteTtlCountsFromTheLastJob() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("idle", lifecycle: ["idleDeleteTtl": "300s"]))
            sandbox.clock.advance(by: 100)  // RUNNING since t=2, idle
            let idle = try await client.get("/clusters/idle").json
            #expect(idle?.value(at: "config.lifecycleConfig.idleStartTime") != nil)
            #expect(try await client.submitJob(on: "idle").status == 200)  // busy from t=100 to t=104
            #expect(try await client.get("/clusters/idle").json?.value(at: "config.lifecycleConfig.idleStartTime") == nil)
            sandbox.clock.advance(by: 250)  // t=350: without the job it would be gone (2 + 300)
            #expect(try await client.state("idle") == "RUNNING")
            sandbox.clock.advance(by: 54)  // t=404 = 104 + 300
            #expect(try await client.state("idle") == "DELETING")
            #expect(try await client.adminClusters().first?.value(at: "deletion.reason")?.stringValue == "idleDelete")
        }
    }

    @Test func patchExtendsTheAutoDeleteScheduleOnlyThroughTheMask() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("extend", lifecycle: ["autoDeleteTtl": "600s"]))
            let extended: JSONValue = ["config": ["lifecycleConfig": ["autoDeleteTtl": "7200s"]], "labels": ["team": "other"]]
            let early = try await client.patch("extend", mask: "config.lifecycle_config.auto_delete_ttl", extended)
            #expect(early.status == 400)  // still CREATING
            #expect(early.json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")
            sandbox.clock.advance(by: 2)
            #expect(try await client.patch("extend", mask: nil, extended).status == 400)
            let badMask = try await client.patch("extend", mask: "config.master_config.num_instances", extended)
            #expect(badMask.status == 400)
            #expect(badMask.json?.value(at: "error.message")?.stringValue?.contains("updateMask") == true)

            let patched = try await client.patch("extend", mask: "config.lifecycle_config.auto_delete_ttl", extended)
            #expect(patched.status == 200)
            #expect(patched.json?.value(at: "metadata.operationType")?.stringValue == "UPDATE")
            #expect(patched.json?["done"]?.boolValue == true)
            let cluster = try await client.get("/clusters/extend").json
            #expect(cluster?.value(at: "config.lifecycleConfig.autoDeleteTtl")?.stringValue == "7200s")
            #expect(cluster?.value(at: "labels.team")?.stringValue == "data")  // not in the mask

            sandbox.clock.advance(by: 1000)
            #expect(try await client.state("extend") == "RUNNING")
            let time = GoogleTime.timestamp(sandbox.clock.now.addingTimeInterval(3600))
            let byTime = try await client.patch(
                "extend", mask: "config.lifecycleConfig.autoDeleteTime,labels",
                ["config": ["lifecycleConfig": ["autoDeleteTime": .string(time)]], "labels": ["team": "other"]])
            #expect(byTime.status == 200)
            let after = try await client.get("/clusters/extend").json
            #expect(after?.value(at: "config.lifecycleConfig.autoDeleteTtl") == nil)
            #expect(after?.value(at: "config.lifecycleConfig.autoDeleteTime")?.stringValue == time)
            #expect(after?.value(at: "labels.team")?.stringValue == "other")
            // A body copied from clusters.get, with a labels-only mask, leaves the lifecycle alone.
            let copied = try #require(after).setting(["labels", "team"], to: "third")
            #expect(try await client.patch("extend", mask: "labels", copied).status == 200)
            #expect(try await client.get("/clusters/extend").json?.value(at: "config.lifecycleConfig.autoDeleteTime")?.stringValue == time)
            sandbox.clock.advance(by: 3600)
            #expect(try await client.state("extend") == "DELETING")
        }
    }

    @Test func jobsRunOnlyOnARunningClusterOnceTheNameWasCreated() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            #expect(try await client.submitJob(on: "never-created").status == 200)  // the original, cluster-less behaviour
            _ = try await client.create(ClusterClient.body("jobs-here"))
            let creating = try await client.submitJob(on: "jobs-here")
            #expect(creating.status == 400)
            #expect(creating.json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")
            sandbox.clock.advance(by: 2)
            let running = try await client.submitJob(on: "jobs-here")
            #expect(running.status == 200)
            let uuid = try await client.get("/clusters/jobs-here").json?["clusterUuid"]?.stringValue
            #expect(running.json?.value(at: "placement.clusterUuid")?.stringValue == uuid)
            _ = try await client.delete("jobs-here")
            sandbox.clock.advance(by: 2)
            let gone = try await client.submitJob(on: "jobs-here")
            #expect(gone.status == 404)
        }
    }

    @Test func aClusterAskedToFailEndsInErrorWithAFailedOperation() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            let body = ClusterClient.body("doomed").setting(["config", "softwareConfig", "properties", "sandbox:fail"], to: "true")
            let created = try await client.create(body)
            sandbox.clock.advance(by: 2)
            let cluster = try await client.get("/clusters/doomed").json
            #expect(cluster?.value(at: "status.state")?.stringValue == "ERROR")
            #expect(cluster?.value(at: "status.detail")?.stringValue?.contains("sandbox:fail") == true)
            let operation = try await client.operation(of: created)
            #expect(operation?["done"]?.boolValue == true)
            #expect(operation?.value(at: "error.code")?.intValue == 13)
            #expect(operation?["response"] == nil)
            #expect(try await client.submitJob(on: "doomed").json?.value(at: "error.status")?.stringValue == "FAILED_PRECONDITION")
            #expect(try await client.get("/clusters?filter=status.state%20%3D%20INACTIVE").json?["clusters"]?.arrayValue?.count == 1)
            #expect(try await client.delete("doomed").status == 200)
        }
    }

    @Test func operationsListAndGet() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await client.create(ClusterClient.body("ops-a"))
            _ = try await client.create(ClusterClient.body("ops-b"))
            sandbox.clock.advance(by: 2)
            _ = try await client.delete("ops-a")
            let all = try await client.get("/operations").json?["operations"]?.arrayValue ?? []
            #expect(all.compactMap { $0.value(at: "metadata.operationType")?.stringValue } == ["DELETE", "CREATE", "CREATE"])
            let forA = try await client.get("/operations?filter=clusterName%20%3D%20ops-a%20AND%20operationType%20%3D%20CREATE").json
            #expect(forA?["operations"]?.arrayValue?.count == 1)
            #expect(try await client.get("/operations/no-such-op").status == 404)
            #expect(try await client.get("/operations?filter=done%20%3D%20true").status == 400)
        }
    }

    @Test func faultsApplyToTheClusterRoutes() async throws {
        try await withManualSandbox { sandbox in
            let client = ClusterClient(sandbox)
            _ = try await LoopbackHTTP.postJSON(sandbox.adminURL.with("/admin/faults/dataproc"), ["kind": "status", "status": 503, "count": 1])
            let failed = try await client.create(ClusterClient.body("faulty"))
            #expect(failed.status == 503)
            #expect(sandbox.dataproc.clusters.all.isEmpty)
            #expect(try await client.create(ClusterClient.body("faulty")).status == 200)
            #expect(try await LoopbackHTTP.get(sandbox.dataprocURL.with(ClusterClient.region + "/clusters")).status == 401)
        }
    }
}
