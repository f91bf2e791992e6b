import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@testable import GatehouseTesting

/// What Google's own REST clients send, which the sandbox must take as the real service does:
/// system parameters, proto3 JSON's two enum encodings and field spellings, form-encoded `+`.
@Suite("Google client conventions")
struct GoogleClientConventionsTests {
    @Test func systemParametersFromTheDiscoveryDocumentAreAccepted() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            for query in [
                "$alt=json;enum-encoding=int", "alt=json", "$prettyPrint=false", "prettyPrint=true", "fields=jobs", "key=api-key",
                "quotaUser=alice", "$.xgafv=2", "callback=cb", "$fields=jobs",
            ] {
                let response = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?" + query), headers: auth)
                #expect(response.status == 200, "\(query): \(response.text)")
            }
            for (query, word) in [("$bogus=1", "$bogus"), ("$filter=x", "$filter"), ("prettyPrint=yes", "boolean"), ("$.xgafv=3", "$.xgafv")] {
                let response = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?" + query), headers: auth)
                #expect(response.status == 400, "\(query)")
                #expect(response.text.contains(word), "\(query): \(response.text)")
            }
            let proto = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?$alt=proto"), headers: auth)
            #expect(proto.status == 400)
            #expect(proto.text.contains("alt=json"))
        }
    }

    @Test func fieldsSelectsAPartialResponse() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            let submit = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            _ = try await LoopbackHTTP.postJSON(submit, Sandbox.submitBody(requestId: "f1", jobId: "partial-1"), headers: auth)
            _ = try await LoopbackHTTP.postJSON(submit, Sandbox.submitBody(requestId: "f2", jobId: "partial-2"), headers: auth)
            let one = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "/partial-1?fields=reference/jobId,status(state)"), headers: auth)
            #expect(one.json == ["reference": ["jobId": "partial-1"], "status": ["state": "PENDING"]])
            let page = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "?pageSize=1&%24fields=nextPageToken,jobs(reference/jobId)"), headers: auth)
            #expect(page.json?["jobs"] == [["reference": ["jobId": "partial-2"]]])
            #expect(page.json?["nextPageToken"]?.stringValue != nil)
            let everything = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "/partial-1?fields=*"), headers: auth)
            #expect(everything.json?["jobUuid"] != nil)

            let malformed = try await LoopbackHTTP.postJSON(
                sandbox.dataprocURL.with(sandbox.jobsPath + ":submit?fields=reference(jobId"),
                Sandbox.submitBody(requestId: "f3", jobId: "partial-3"), headers: auth)
            #expect(malformed.status == 400)
            #expect(malformed.text.contains("Invalid field selection"))
            #expect(sandbox.dataproc.jobs.all.count == 2, "a malformed selection is refused before the submit happens")
        }
    }

    @Test func accessTokenQueryParameterAuthenticates() async throws {
        try await withManualSandbox { sandbox in
            let token = sandbox.issueAccessToken().token
            let inQuery = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?access_token=\(token)"))
            #expect(inQuery.status == 200)
            let forged = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?access_token=forged"))
            #expect(forged.status == 401)
            let none = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath))
            #expect(none.status == 401)
        }
    }

    @Test func jobStateMatcherTakesNamesAndNumbers() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            let submit = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            _ = try await LoopbackHTTP.postJSON(submit, Sandbox.submitBody(requestId: "first", jobId: "finishes"), headers: auth)
            sandbox.clock.advance(by: 10)
            _ = try await LoopbackHTTP.postJSON(submit, Sandbox.submitBody(requestId: "second", jobId: "still-running"), headers: auth)
            func ids(_ matcher: String) async throws -> [String]? {
                let response = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?jobStateMatcher=\(matcher)"), headers: auth)
                return response.json?["jobs"]?.arrayValue?.compactMap { $0.value(at: "reference.jobId")?.stringValue }
            }
            #expect(try await ids("ACTIVE") == ["still-running"])
            #expect(try await ids("1") == ["still-running"])
            #expect(try await ids("2") == ["finishes"])
            #expect(try await ids("0")?.count == 2)
            let outOfRange = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "?jobStateMatcher=3"), headers: auth)
            #expect(outOfRange.status == 400)
            #expect(outOfRange.text.contains("jobStateMatcher"))
        }
    }

    @Test func bodyEnumsTakeNumbersAndProtoFieldNames() async throws {
        try await withManualSandbox { sandbox in
            let auth = sandbox.bearer()
            let submit = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            let job: JSONValue = [
                "reference": ["job_id": "levels"], "placement": ["clusterName": "analytics-cluster"],
                "pysparkJob": ["mainPythonFileUri": "gs://b/main.py", "logging_config": ["driverLogLevels": ["root": 4, "org.apache": "DEBUG"]]],
            ]
            let submitted = try await LoopbackHTTP.postJSON(submit, ["job": job, "request_id": "enum-1"], headers: auth)
            #expect(submitted.status == 200, "\(submitted.text)")
            let levels = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "/levels"), headers: auth)
            #expect(levels.json?.value(at: "pysparkJob.loggingConfig.driverLogLevels.root")?.stringValue == "INFO")
            #expect(levels.json?.value(at: "pysparkJob.loggingConfig.driverLogLevels")?["org.apache"]?.stringValue == "DEBUG")
            #expect(levels.json?.value(at: "reference.jobId")?.stringValue == "levels")
            let again = try await LoopbackHTTP.postJSON(submit, ["job": job, "requestId": "enum-1"], headers: auth)
            #expect(again.json?.value(at: "reference.jobId")?.stringValue == "levels", "request_id and requestId are one field")

            let bad: JSONValue = [
                "reference": ["jobId": "bad-level"], "placement": ["clusterName": "c"],
                "pysparkJob": ["mainPythonFileUri": "gs://b/m.py", "loggingConfig": ["driverLogLevels": ["root": 42]]],
            ]
            let refused = try await LoopbackHTTP.postJSON(submit, ["job": bad], headers: auth)
            #expect(refused.status == 400)
            #expect(refused.text.contains("TYPE_ENUM"))
        }
    }

    @Test func clusterEnumsUseTheProtoNumbersNotTheListOrder() async throws {
        try await withManualSandbox { sandbox in
            let clusters = ClusterClient(sandbox)
            var body = ClusterClient.body("numbered").objectValue ?? [:]
            body["config"] = [
                "workerConfig": ["numInstances": 2],
                "secondaryWorkerConfig": ["numInstances": 1, "preemptibility": 3],
                // ANACONDA is 5 and JUPYTER is 1 in the proto, though listed 3rd and 12th.
                "softwareConfig": ["optionalComponents": [5, 1, "DOCKER"]],
            ]
            let created = try await clusters.create(.object(body))
            #expect(created.status == 200, "\(created.text)")
            let cluster = try await clusters.get("/clusters/numbered").json
            #expect(cluster?.value(at: "config.secondaryWorkerConfig.preemptibility")?.stringValue == "SPOT")
            #expect(
                cluster?.value(at: "config.softwareConfig.optionalComponents")?.arrayValue?.compactMap(\.stringValue) == [
                    "ANACONDA", "JUPYTER", "DOCKER",
                ])
            body["clusterName"] = "unnumbered"
            body["config"] = ["softwareConfig": ["optionalComponents": [2]]]
            let refused = try await clusters.create(.object(body))
            // 2 names no Component; the sandbox refuses numbers it cannot name rather than guess.
            #expect(refused.status == 400)
            #expect(refused.text.contains("TYPE_ENUM"))
        }
    }

    @Test func plusInAQueryIsASpace() async throws {
        try await withManualSandbox({ configuration in
            configuration.includeExamples = false
            configuration.seed = SandboxSeed(backstageEntities: [
                [
                    "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                    "metadata": ["name": "lookup", "description": "Artist Lookup service"],
                    "spec": ["type": "service", "lifecycle": "production", "owner": "team-a"],
                ],
                [
                    "apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": ["name": "other", "description": "Artist-Lookup+"],
                    "spec": ["type": "service", "lifecycle": "production", "owner": "team-a"],
                ],
            ])
        }) { sandbox in
            func names(_ query: String) async throws -> [String]? {
                let response = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?" + query))
                return response.json?["items"]?.arrayValue?.compactMap { $0.value(at: "metadata.name")?.stringValue }
            }
            #expect(try await names("fullTextFilterTerm=artist+lookup") == ["lookup"])
            #expect(try await names("fullTextFilterTerm=artist%20lookup") == ["lookup"])
            #expect(try await names("fullTextFilterTerm=lookup%2B") == ["other"])

            let auth = sandbox.bearer()
            let submit = sandbox.dataprocURL.with(sandbox.jobsPath + ":submit")
            _ = try await LoopbackHTTP.postJSON(submit, Sandbox.submitBody(requestId: "p", jobId: "labelled"), headers: auth)
            let filtered = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "?filter=status.state+%3D+ACTIVE+AND+labels.env+%3D+staging"), headers: auth)
            #expect(filtered.status == 200, "\(filtered.text)")
            #expect(filtered.json?["jobs"]?.arrayValue?.count == 1)
            let otherEnv = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with(sandbox.jobsPath + "?filter=status.state+%3D+ACTIVE+AND+labels.env+%3D+dev"), headers: auth)
            #expect(otherEnv.json?["jobs"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func adminTokensTakeAJSONBody() async throws {
        try await withManualSandbox { sandbox in
            let minted = try await LoopbackHTTP.postJSON(
                sandbox.adminURL.with("/admin/tokens"), ["subject": "bob", "email": "bob@example.com", "lifetimeSeconds": 60])
            #expect(minted.status == 200, "\(minted.text)")
            #expect(minted.json?["expires_in"]?.intValue == 60)
            let token = try #require(minted.json?["access_token"]?.stringValue)
            let jobs = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath), headers: ["Authorization": "Bearer \(token)"])
            #expect(jobs.status == 200)
            let empty = try await LoopbackHTTP.send("POST", sandbox.adminURL.with("/admin/tokens"))
            #expect(empty.status == 200)
            let broken = try await LoopbackHTTP.send("POST", sandbox.adminURL.with("/admin/tokens"), body: Data("{not json".utf8))
            #expect(broken.status == 400)
            #expect(try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/urls")).status == 200, "the sandbox is still up")
        }
    }
}
