import Foundation
import GatehouseCore
import GatehouseDataproc
import Testing

@Suite("Job spec validation")
struct JobSpecTests {
    @Test func acceptsTheFourSupportedShapes() throws {
        #expect(
            try JobSpec([
                "pysparkJob": [
                    "mainPythonFileUri": "gs://b/main.py", "args": ["--day", "2026-11-23"], "properties": ["spark.executor.memory": "4g"],
                ]
            ]).type == .pyspark)
        #expect(try JobSpec(["sparkJob": ["mainClass": "com.example.Main", "jarFileUris": ["gs://b/app.jar"]]]).type == .spark)
        #expect(try JobSpec(["sparkSqlJob": ["queryList": ["queries": ["SELECT 1"]]]]).type == .sparkSql)
        #expect(try JobSpec(["hiveJob": ["queryFileUri": "gs://b/q.hql"], "labels": ["team": "a"]]).type == .hive)
    }

    static let invalid: [(JSONValue, String)] = [
        (JSONValue.object([:]), "needs one job type"),
        (JSONValue.object(["pysparkJob": ["args": ["x"]]]), "mainPythonFileUri is required"),
        (JSONValue.object(["pysparkJob": ["mainPythonFileUri": "gs://b/m.py"], "hiveJob": ["queryFileUri": "gs://q"]]), "exactly one"),
        (JSONValue.object(["pysparkJob": ["mainPythonFileUri": "gs://b/m.py", "mainPyFile": "x"]]), "job.pysparkJob.mainPyFile is not a field"),
        (JSONValue.object(["pysparkJob": ["mainPythonFileUri": 42]]), "job.pysparkJob.mainPythonFileUri must be a string"),
        (JSONValue.object(["pysparkJob": ["mainPythonFileUri": "gs://b/m.py", "args": "--x"]]), "job.pysparkJob.args must be an array"),
        (JSONValue.object(["pysparkJob": ["mainPythonFileUri": "gs://b/m.py"], "status": ["state": "DONE"]]), "job.status is set by Dataproc"),
        (
            JSONValue.object(["pysparkJob": ["mainPythonFileUri": "gs://b/m.py"], "placement": ["clusterName": "other"]]),
            "job.placement is set by Gatehouse"
        ),
        (JSONValue.object(["sparkJob": ["mainClass": "A", "mainJarFileUri": "gs://b/a.jar"]]), "exactly one of mainJarFileUri and mainClass"),
        (JSONValue.object(["sparkSqlJob": [:]]), "exactly one of queryFileUri and queryList"),
        (JSONValue.object(["hadoopJob": ["mainClass": "A"]]), "not supported by Gatehouse"),
        (JSONValue.object(["hiveJob": ["queryFileUri": "gs://q"], "labels": ["Team": "a"]]), "labels key 'Team'"),
        (
            JSONValue.object(["hiveJob": ["queryFileUri": "gs://q"], "scheduling": ["maxFailuresPerHour": "often"]]),
            "maxFailuresPerHour must be an integer"
        ),
    ]

    @Test(arguments: invalid)
    func refusesWithAMessageNamingTheField(job: JSONValue, expected: String) {
        let error = #expect(throws: DataprocError.self) { try JobSpec(job) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func submissionAddsReferenceAndPlacement() throws {
        let spec = try JobSpec(["pysparkJob": ["mainPythonFileUri": "gs://b/main.py"]])
        let job = spec.submission(jobID: "gh-1", location: DataprocLocation(project: "demo-project", region: "europe-west1", cluster: "c1"))
        #expect(job["reference"] == ["projectId": "demo-project", "jobId": "gh-1"])
        #expect(job["placement"] == ["clusterName": "c1"])
        #expect(job["pysparkJob"]?["mainPythonFileUri"] == "gs://b/main.py")
    }

    @Test func requestIDsAreStableAndFitDataprocRules() {
        let id = "gh-" + String(repeating: "a", count: 32)
        #expect(RequestID.derive(from: id) == id)
        let long = String(repeating: "x", count: 80)
        let derived = RequestID.derive(from: long)
        #expect(derived == RequestID.derive(from: long))
        #expect(derived.count <= 40 && derived.range(of: #"^[a-zA-Z0-9_-]+$"#, options: .regularExpression) != nil)
        #expect(RequestID.derive(from: long + "y") != derived)
    }

    @Test func locationNeedsAllThreeAnnotations() {
        #expect(throws: DataprocError.notConfigured(entity: "component:default/x", missing: ["dataproc.googleapis.com/cluster"])) {
            try DataprocLocation(
                annotations: ["dataproc.googleapis.com/project": "p", "dataproc.googleapis.com/region": "r"], entity: "component:default/x")
        }
    }
}
