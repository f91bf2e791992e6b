import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@testable import GatehouseTesting

/// A stand-in for pyspark's `spark-submit`, so the runner's contract (arguments, working
/// directory, output, exit status, signals) is tested without Java: it prints its main file and
/// counts the lines of a CSV argument, fails when the main file says `fail`, sleeps when it says `sleep`.
private let fakeSparkSubmit = """
    #!/bin/sh
    while [ $# -gt 0 ]; do case $1 in --master|--conf|--py-files|--files) shift 2 ;; *) break ;; esac; done
    main=$1; shift
    echo "driver: $(basename "$main") in $(basename "$(pwd)")"
    cat "$main"
    case "${1:-}" in *.csv) echo "lines: $(wc -l < "$1")" ;; esac
    if grep -q fail "$main"; then printf 'Traceback (most recent call last):\\nValueError: asked to fail\\n' >&2; exit 1; fi
    if grep -q sleep "$main"; then echo sleeping; sleep 60; fi
    exit 0

    """

@Suite("Cloud Storage uploads and the local Spark runner")
struct LocalSparkRunnerTests {
    private static let uploads = "/upload/storage/v1/b/uploads/o"

    private func upload(
        _ sandbox: Sandbox, _ name: String, _ content: String, query: String = "uploadType=media", headers: [String: String]? = nil
    )
        async throws -> LoopbackResponse
    {
        try await LoopbackHTTP.send(
            "POST", sandbox.url(of: .storage).with(Self.uploads + "?\(query)&name=\(name)"), headers: headers ?? sandbox.bearer(),
            body: Data(content.utf8))
    }

    @Test func aSimpleMediaUploadIsReadBackListedAndChecked() async throws {
        try await withManualSandbox { sandbox in
            let stored = try await upload(sandbox, "jobs%2Fmain.py", "print('hi')\n")
            #expect(stored.status == 200, "\(stored.text)")
            #expect(stored.json?["name"]?.stringValue == "jobs/main.py")
            #expect(stored.json?["bucket"]?.stringValue == "uploads")
            #expect(stored.json?["size"]?.stringValue == "12")
            let storage = sandbox.url(of: .storage)
            let media = try await LoopbackHTTP.get(storage.with("/storage/v1/b/uploads/o/jobs%2Fmain.py?alt=media"), headers: sandbox.bearer())
            #expect(media.text == "print('hi')\n")
            let listed = try await LoopbackHTTP.get(storage.with("/storage/v1/b/uploads/o?prefix=jobs/"), headers: sandbox.bearer())
            #expect(listed.json?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["jobs/main.py"])
            #expect(try await LoopbackHTTP.get(storage.with("/storage/v1/b/uploads"), headers: sandbox.bearer()).status == 200)

            #expect(try await upload(sandbox, "jobs%2Fmain.py", "again", query: "uploadType=media&ifGenerationMatch=0").status == 412)
            #expect(try await upload(sandbox, "x", "", query: "uploadType=multipart").status == 400)
            #expect(try await upload(sandbox, "", "body").status == 400, "a name is required")
            let readOnly = sandbox.issueAccessToken(scopes: ["https://www.googleapis.com/auth/devstorage.read_only"]).token
            #expect(try await upload(sandbox, "y", "body", headers: ["Authorization": "Bearer \(readOnly)"]).status == 403)
            #expect(try await upload(sandbox, "y", "body", headers: [:]).status == 401)
        }
    }

    @Test func withoutAnUploadedMainFileAJobKeepsTheSimulatedRun() async throws {
        try await withTemporaryDirectory { directory in
            let submit = directory.appendingPathComponent("spark-submit")
            try Data(fakeSparkSubmit.utf8).write(to: submit)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: submit.path)
            try await withManualSandbox({ $0.spark = LocalSpark(sparkSubmit: submit.path) }) { sandbox in
                _ = try await LoopbackHTTP.postJSON(
                    sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), Sandbox.submitBody(requestId: nil, jobId: "simulated"),
                    headers: sandbox.bearer())
                #expect(sandbox.dataproc.jobs.all.map { $0.realRun == nil } == [true])
            }
        }
    }

    /// The state of a job, read through the API.
    private func job(_ sandbox: Sandbox, _ id: String) async throws -> JSONValue? {
        try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "/\(id)"), headers: sandbox.bearer()).json
    }

    /// Every driver output chunk of a job, concatenated.
    private func output(_ sandbox: Sandbox, _ id: String) async throws -> String {
        let uri = try await job(sandbox, id)?["driverOutputResourceUri"]?.stringValue ?? ""
        let prefix = String(uri.dropFirst("gs://\(DriverOutput.bucket)/".count))
        return sandbox.dataproc.objects.objects(in: DriverOutput.bucket).filter { $0.name.hasPrefix(prefix) }.sorted { $0.name < $1.name }
            .map { String(decoding: $0.content, as: UTF8.self) }.joined()
    }

    private func state(_ sandbox: Sandbox, _ id: String) async throws -> String? {
        try await job(sandbox, id)?.value(at: "status.state")?.stringValue
    }

    @Test func uploadedWorkloadsRunForRealAndTheirStatesFollowTheProcess() async throws {
        try await withTemporaryDirectory { directory in
            let submit = directory.appendingPathComponent("spark-submit")
            try Data(fakeSparkSubmit.utf8).write(to: submit)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: submit.path)
            try await withSandbox({ $0.spark = LocalSpark(sparkSubmit: submit.path, timeout: 30) }) { sandbox in
                #expect(try await upload(sandbox, "count.py", "# counts\n").status == 200)
                #expect(try await upload(sandbox, "fail.py", "# fail\n").status == 200)
                #expect(try await upload(sandbox, "sleep.py", "# sleep\n").status == 200)
                #expect(try await upload(sandbox, "data%2Frows.csv", "id\n1\n2\n").status == 200)
                for (id, main) in [("counts", "count.py"), ("fails", "fail.py"), ("sleeps", "sleep.py"), ("missing", "count.py")] {
                    let argument = id == "missing" ? "gs://uploads/nowhere.csv" : "gs://uploads/data/rows.csv"
                    let body: JSONValue = [
                        "job": [
                            "reference": ["jobId": .string(id)], "placement": ["clusterName": "analytics-cluster"],
                            "pysparkJob": ["mainPythonFileUri": .string("gs://uploads/\(main)"), "args": [.string(argument)]],
                        ]
                    ]
                    let answer = try await LoopbackHTTP.postJSON(
                        sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), body, headers: sandbox.bearer())
                    #expect(answer.status == 200, "\(answer.text)")
                }

                #expect(try await eventually { try await state(sandbox, "counts") == "DONE" })
                let counted = try await output(sandbox, "counts")
                #expect(counted.hasPrefix("driver: count.py in "), "the main file was copied out of storage")
                #expect(counted.contains("# counts\nlines: 3\n"), "the gs:// argument was rewritten to a local copy: \(counted)")

                #expect(try await eventually { try await state(sandbox, "fails") == "ERROR" })
                #expect(try await output(sandbox, "fails").hasSuffix("Traceback (most recent call last):\nValueError: asked to fail\n"))
                #expect(
                    try await job(sandbox, "fails")?.value(at: "status.details")?.stringValue
                        == "Job failed with message [ValueError: asked to fail].")

                #expect(try await eventually { try await state(sandbox, "missing") == "ERROR" })
                #expect(try await job(sandbox, "missing")?.value(at: "status.details")?.stringValue?.contains("gs://uploads/nowhere.csv") == true)

                #expect(try await eventually { try await output(sandbox, "sleeps").hasSuffix("sleeping\n") })
                #expect(try await state(sandbox, "sleeps") == "RUNNING", "output streams while the driver runs")
                let cancel = try await LoopbackHTTP.postJSON(
                    sandbox.dataprocURL.with(sandbox.jobsPath + "/sleeps:cancel"), [:], headers: sandbox.bearer())
                #expect(cancel.status == 200)
                #expect(try await eventually { try await state(sandbox, "sleeps") == "CANCELLED" })
                let history = try await job(sandbox, "sleeps")?["statusHistory"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
                #expect(history == ["PENDING", "RUNNING", "CANCEL_PENDING"])
            }
        }
    }

    @Test func anUploadedBatchRunsForReal() async throws {
        try await withTemporaryDirectory { directory in
            let submit = directory.appendingPathComponent("spark-submit")
            try Data(fakeSparkSubmit.utf8).write(to: submit)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: submit.path)
            try await withSandbox({ $0.spark = LocalSpark(sparkSubmit: submit.path, timeout: 30) }) { sandbox in
                #expect(try await upload(sandbox, "fail.py", "# fail\n").status == 200)
                let batches = sandbox.dataprocURL.with("/v1/projects/demo-project/locations/europe-west1/batches")
                let created = try await LoopbackHTTP.postJSON(
                    batches.with("?batchId=real-fail"), ["pysparkBatch": ["mainPythonFileUri": "gs://uploads/fail.py"]], headers: sandbox.bearer())
                #expect(created.status == 200, "\(created.text)")
                let batch = batches.with("/real-fail")
                #expect(
                    try await eventually {
                        try await LoopbackHTTP.get(batch, headers: sandbox.bearer()).json?["state"]?.stringValue == "FAILED"
                    })
                let failed = try await LoopbackHTTP.get(batch, headers: sandbox.bearer()).json
                #expect(failed?["stateMessage"]?.stringValue == "Batch failed: ValueError: asked to fail")
                #expect(failed?.value(at: "runtimeInfo.outputUri")?.stringValue?.hasPrefix("gs://") == true)
            }
        }
    }
}
