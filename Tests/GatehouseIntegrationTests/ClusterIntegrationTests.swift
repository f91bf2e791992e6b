import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Dataproc clusters through the real daemon against the sandbox: lifecycle end to end, exactly one
/// cluster through connection resets, owners only, and teardown at logout and on lost ownership.
@Suite("Cluster integration", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct ClusterIntegrationTests {
    @Test func createRunJobAndDeleteEndToEnd() async throws {
        try await ClusterEnvironment.with { env in
            let created = try await offPool {
                try env.daemon.cli(["cluster", "create", ClusterEnvironment.entity, "--template", "small", "--workers", "3"])
            }
            #expect(created.status == 0, "\(created.stdout)\n\(created.stderr)")
            // The arrow is Unicode only under a UTF-8 locale.
            #expect(
                created.stdout.contains("CREATING → RUNNING") || created.stdout.contains("CREATING -> RUNNING"), "progress line: \(created.stdout)")
            let listed = try await env.call("cluster.list", ["mine": true])
            let cluster = try #require(listed["clusters"]?.arrayValue?.first)
            let id = try #require(cluster["id"]?.stringValue)
            let name = try #require(cluster["name"]?.stringValue)
            #expect(cluster["state"] == "RUNNING")
            #expect(name.hasPrefix("gh-engagement-reports-"))

            // The sandbox's own view: labels, lifecycle config, the template and the override.
            let upstream = try #require(try await env.upstream(name))
            #expect(upstream["state"] == "RUNNING")
            #expect(upstream["requestId"]?.stringValue == id)
            let labels = try #require(upstream["labels"])
            #expect(labels["gatehouse-owner"] == "team-a")
            #expect(labels["gatehouse-entity"] == "component-default-engagement-reports")
            #expect(labels["gatehouse-principal"] == .string(ClusterEnvironment.aliceLabel))
            #expect(upstream["lifecycleConfig"]?["idleDeleteTtl"] == "1800s")
            #expect(upstream["lifecycleConfig"]?["autoDeleteTtl"] == "7200s")
            #expect(upstream["cluster"]?["config"]?["workerConfig"]?["numInstances"] == 3)
            #expect(upstream["cluster"]?["config"]?["workerConfig"]?["machineTypeUri"] == "n2-standard-2")

            // Extend within the maximum (4h), then past it.
            let extended = try await offPool { try env.daemon.cli(["cluster", "extend", id, "--by", "1h"]) }
            #expect(extended.status == 0, "\(extended.stderr)")
            #expect(
                try await eventually(every: .milliseconds(200)) { try await env.upstream(name)?["lifecycleConfig"]?["autoDeleteTtl"] == "10800s" })
            let tooLong = try await env.daemon.failure("cluster.extend", ["id": .string(id), "by": "2h"])
            #expect(tooLong?.message.contains("maximum of 4h") == true, "\(String(describing: tooLong))")

            // A job on it.
            let job = try await env.call(
                "job.submit",
                [
                    "entity": .string(ClusterEnvironment.entity), "cluster": .string(name),
                    "job": ["pysparkJob": ["mainPythonFileUri": "gs://bucket/engagement.py"]],
                ])
            let jobID = try #require(job["jobId"]?.stringValue)
            #expect(job["cluster"]?.stringValue == name)
            #expect(
                try await eventually(every: .milliseconds(200)) {
                    try await env.call("job.status", ["jobId": .string(jobID)])["state"] == "DONE"
                })

            let deleted = try await offPool { try env.daemon.cli(["cluster", "delete", id, "--yes"]) }
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "DELETED" })
            #expect(try await env.upstream(name)?["state"] == "DELETED")
            let shown = try await offPool { try env.daemon.cli(["cluster", "show", id]) }
            for state in ["QUEUED", "CREATING", "RUNNING", "DELETING", "DELETED"] { #expect(shown.stdout.contains(state), "\(shown.stdout)") }
        }
    }

    @Test func aCreateRetriedThroughConnectionResetsCreatesOneCluster() async throws {
        try await ClusterEnvironment.with { env in
            try await env.sandbox.setFault(.init(kind: .resetAfterBody, count: 3), on: .dataproc)
            let id = try await env.create()
            #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "RUNNING" })
            let name = try #require(try await env.call("cluster.get", ["id": .string(id)])["name"]?.stringValue)
            let faults = env.sandbox.requestLog.recent(upstream: .dataproc).compactMap(\.fault)
            #expect(faults.filter { $0 == "reset-after-body" }.count >= 1, "the fault was met: \(faults)")
            let copies = try await env.upstreamClusters().filter { $0["clusterName"]?.stringValue == name }
            #expect(copies.count == 1)
            #expect(env.sandbox.dataproc.clusters.operations.filter { $0.kind == .create }.count == 1)
        }
    }

    @Test func automationWaitsForAPersonBeforeACluster() async throws {
        try await ClusterEnvironment.with(requireApproval: "cluster.create,cluster.delete") { env in
            let params: JSONValue = ["entity": .string(ClusterEnvironment.entity)]
            let result = try await offPool { try OversightTests.withoutTerminal(env.daemon, ["call", "cluster.create", params.canonicalString]) }
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            let answer = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
            #expect(answer["state"] == "PENDING_APPROVAL")
            let id = try #require(answer["clusterId"]?.stringValue)
            let approvalID = try #require(answer["approvalId"]?.stringValue)
            #expect(try await env.call("approval.get", ["id": .string(approvalID)])["summary"]?["clusterName"] == answer["clusterName"])
            try await Task.sleep(for: .seconds(2))
            #expect(try await env.upstreamClusters().isEmpty, "nothing reaches Dataproc while the approval waits")

            let approved = try await offPool { try OversightTests.underPseudoTerminal(env.daemon, ["approve", approvalID]) }
            #expect(approved.status == 0, "\(approved.stdout) \(approved.stderr)")
            #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "RUNNING" })
            #expect(try await env.upstreamClusters().count == 1)
        }
    }

    @Test func aStrangerIsDeniedCreateAndDeleteWithTheRuleNamed() async throws {
        try await ClusterEnvironment.with { env in
            let id = try await env.create()
            let name = try #require(try await env.call("cluster.get", ["id": .string(id)])["name"]?.stringValue)
            try await env.daemon.signIn(sandbox: env.sandbox, as: "bob")
            let create = try #require(try await env.daemon.failure("cluster.create", ["entity": .string(ClusterEnvironment.entity)]))
            #expect(create.code == RPCErrorCode.denied.rawValue)
            #expect(create.data?["rule"] == "default-deny", "\(create)")
            #expect(create.data?["action"] == "cluster.create")
            let delete = try #require(try await env.daemon.failure("cluster.delete", ["id": .string(id)]))
            #expect(delete.code == RPCErrorCode.denied.rawValue)
            #expect(delete.data?["rule"] == "default-deny", "\(delete)")
            #expect(delete.data?["action"] == "cluster.delete")
            let cli = try await offPool { try env.daemon.cli(["cluster", "delete", id, "--yes"]) }
            #expect(cli.status == 4, "denied exits 4: \(cli.stderr)")
            #expect(["CREATING", "RUNNING"].contains(try await env.upstream(name)?["state"]?.stringValue ?? ""))
            let view = try #require(try await env.daemon.failure("cluster.get", ["id": .string(id)]))
            #expect(view.code == RPCErrorCode.denied.rawValue, "a stranger does not see the cluster either")
            #expect(env.sandbox.dataproc.clusters.operations.filter { $0.kind == .delete }.isEmpty)
        }
    }

    @Test func destructiveCommandsAskAndLogoutCanKeepClusters() async throws {
        try await ClusterEnvironment.with { env in
            let id = try await env.create()
            #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "RUNNING" })
            let name = try #require(try await env.call("cluster.get", ["id": .string(id)])["name"]?.stringValue)
            // No terminal, no --yes: refused, naming the cluster, nothing deleted.
            let refused = try await offPool { try env.daemon.cli(["cluster", "delete", id, "--json"]) }
            #expect(refused.status == 2 && refused.stderr.contains(name) && refused.stderr.contains("without --yes"), "\(refused.stderr)")
            #expect(refused.stdout.contains("\"confirmation_required\""), "\(refused.stdout)")
            // logout --keep-clusters: signed out, the cluster keeps running until its TTL.
            let out = try await offPool { try env.daemon.cli(["logout", "--keep-clusters"]) }
            #expect(out.status == 0 && out.stdout.contains("keep running until their auto-delete TTL"), "\(out.stdout) \(out.stderr)")
            #expect(try await env.daemon.call("auth.status")["signedIn"] == false)
            try await Task.sleep(for: .seconds(2))
            #expect(env.sandbox.dataproc.clusters.operations.filter { $0.kind == .delete }.isEmpty)
            #expect(try await env.upstream(name)?["state"] == "RUNNING")
        }
    }

    @Test func logoutTearsDownExactlyThePrincipalsClusters() async throws {
        try await ClusterEnvironment.with { env in
            let mine = [try await env.create(), try await env.create(template: "small")]
            for id in mine { #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "RUNNING" }) }
            let names = try await mine.asyncMap { try #require(try await env.call("cluster.get", ["id": .string($0)])["name"]?.stringValue) }
            // Someone else's Gatehouse cluster, one alice made elsewhere (no local record), and one Gatehouse never made.
            try await env.createElsewhere(
                "gh-carols-1", labels: ["gatehouse-principal": "carol-example-com", "gatehouse-entity": "component-default-engagement-reports"])
            try await env.createElsewhere("gh-alice-elsewhere", labels: ["gatehouse-principal": .string(ClusterEnvironment.aliceLabel)])
            try await env.createElsewhere("hand-made", labels: [:])

            // Not at a terminal and without --yes: refused, with the clusters it would have deleted named.
            let refused = try await offPool { try env.daemon.cli(["logout"]) }
            #expect(refused.status == 2 && refused.stderr.contains("without --yes"), "\(refused.stderr)")
            for name in names { #expect(refused.stderr.contains(name), "logout names \(name): \(refused.stderr)") }
            #expect(try await env.daemon.call("auth.status")["signedIn"] == true, "a refused logout signs nobody out")
            let logout = try await offPool { try env.daemon.cli(["logout", "--yes"]) }
            #expect(logout.status == 0, "\(logout.stderr)")
            #expect(
                try await eventually(every: .milliseconds(200)) {
                    let upstream = try await env.upstreamClusters()
                    return (names + ["gh-alice-elsewhere"]).allSatisfy { name in
                        upstream.contains {
                            $0["clusterName"]?.stringValue == name && ["DELETING", "DELETED"].contains($0["state"]?.stringValue ?? "")
                        }
                    }
                })
            let upstream = try await env.upstreamClusters()
            for untouched in ["gh-carols-1", "hand-made"] {
                let record = try #require(upstream.first { $0["clusterName"]?.stringValue == untouched })
                #expect(["CREATING", "RUNNING"].contains(record["state"]?.stringValue ?? ""), "\(untouched): \(record["state"] ?? .null)")
            }
            #expect(env.sandbox.dataproc.clusters.operations.filter { $0.kind == .delete }.count == 3)

            // The CLI listed what logout would delete (a report, audited with trigger "request") before each attempt.
            let found = try await env.call("audit.query", ["method": "cluster.teardown"])["records"]?.arrayValue ?? []
            let teardowns = found.filter { $0["detail"]?["trigger"] == "logout" }
            #expect(teardowns.count == 1, "\(found)")
            #expect(found.filter { $0["detail"]?["trigger"] == "request" && $0["detail"]?["mode"] == "report" }.count == 2, "\(found)")
            let deletes = try await env.call("audit.query", ["method": "cluster.teardown.delete"])["records"]?.arrayValue ?? []
            #expect(deletes.count == 3)
            #expect(Set(deletes.compactMap { $0["detail"]?["clusterName"]?.stringValue }) == Set(names + ["gh-alice-elsewhere"]))
            let verify = try await offPool { try env.daemon.cli(["audit", "verify"]) }
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }
    }

    @Test func losingOwnershipTearsDownThatEntitysClustersOnly() async throws {
        try await ClusterEnvironment.with { env in
            let lost = try await env.create()
            let kept = try await env.create(entity: "component:default/analytics-pipeline")
            for id in [lost, kept] { #expect(try await eventually(every: .milliseconds(200)) { try await env.state(id) == "RUNNING" }) }
            let lostName = try #require(try await env.call("cluster.get", ["id": .string(lost)])["name"]?.stringValue)
            let keptName = try #require(try await env.call("cluster.get", ["id": .string(kept)])["name"]?.stringValue)

            // engagement-reports moves to team-b in Backstage; alice (team-a) keeps analytics-pipeline.
            #expect(env.sandbox.backstage.setOwner(of: ClusterEnvironment.entity, to: "group:default/team-b"))
            // The check runs after each sync, as the periodic one would; another sync only if none has run it yet.
            let checked = try await env.teardownRecorded(syncing: 3)
            #expect(checked, "no teardown after three syncs; the daemon's log:\n\(env.daemon.log)")
            #expect(
                try await eventually(every: .milliseconds(200)) {
                    ["DELETING", "DELETED"].contains(try await env.upstream(lostName)?["state"]?.stringValue ?? "")
                })
            #expect(["CREATING", "RUNNING"].contains(try await env.upstream(keptName)?["state"]?.stringValue ?? ""))
            #expect(env.sandbox.dataproc.clusters.operations.filter { $0.kind == .delete }.count == 1)

            let teardowns = try await env.call("audit.query", ["method": "cluster.teardown"])["records"]?.arrayValue ?? []
            #expect(teardowns.count == 1)
            #expect(teardowns.first?["detail"]?["trigger"] == "ownership-changed")
            let deletes = try await env.call("audit.query", ["method": "cluster.teardown.delete"])["records"]?.arrayValue ?? []
            #expect(deletes.compactMap { $0["detail"]?["clusterName"]?.stringValue } == [lostName])
            let verify = try await offPool { try env.daemon.cli(["audit", "verify"]) }
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
