import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@testable import GatehouseTesting

/// Reads the sandbox's Cloud Storage stand-in as a client of the JSON API would.
private struct StorageClient {
    let sandbox: Sandbox
    let auth: [String: String]

    init(_ sandbox: Sandbox) {
        self.sandbox = sandbox
        self.auth = sandbox.bearer()
    }

    func get(_ pathAndQuery: String, headers: [String: String]? = nil) async throws -> LoopbackResponse {
        try await LoopbackHTTP.get(sandbox.url(of: .storage).with("/storage/v1/b/" + pathAndQuery), headers: headers ?? auth)
    }

    /// The names listed under the `gs://` URI's prefix.
    func names(under uri: String) async throws -> [String] {
        let (bucket, prefix) = Self.split(uri)
        let listed = try await get("\(bucket)/o?prefix=\(Self.encoded(prefix))").json
        return listed?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    /// The content of every chunk under the URI, in order.
    func output(under uri: String) async throws -> String {
        let bucket = Self.split(uri).bucket
        var text = ""
        for name in try await names(under: uri) {
            text += try await get("\(bucket)/o/\(Self.encoded(name))?alt=media").text
        }
        return text
    }

    static func split(_ uri: String) -> (bucket: String, prefix: String) {
        let path = uri.dropFirst("gs://".count)
        let slash = path.firstIndex(of: "/")!
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

@Suite("Cloud Storage sandbox: driver output")
struct CloudStorageSandboxTests {
    private func submit(_ sandbox: Sandbox, jobId: String, main: String = "gs://bucket/main.py") async throws -> String {
        let response = try await LoopbackHTTP.postJSON(
            sandbox.dataprocURL.with(sandbox.jobsPath + ":submit"), Sandbox.submitBody(requestId: nil, jobId: jobId, main: main),
            headers: sandbox.bearer())
        return try #require(response.json?["driverOutputResourceUri"]?.stringValue)
    }

    @Test func chunksAppearAsTheDriverWritesThemBeforeTheJobEnds() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            let uri = try await submit(sandbox, jobId: "streams")
            #expect(uri.hasPrefix("gs://dataproc-staging-sandbox/google-cloud-dataproc-metainfo/"))
            #expect(uri.hasSuffix("/jobs/streams/driveroutput"))
            #expect(try await storage.names(under: uri).isEmpty, "nothing before the driver runs")

            sandbox.clock.advance(by: 2)  // RUNNING
            let first = try await storage.names(under: uri)
            #expect(first == [StorageClient.split(uri).prefix + ".000000000"])
            sandbox.clock.advance(by: 1)  // half-way
            #expect(try await storage.names(under: uri).count == 3)
            let jobState = try await LoopbackHTTP.get(sandbox.dataprocURL.with(sandbox.jobsPath + "/streams"), headers: storage.auth)
            #expect(jobState.json?.value(at: "status.state")?.stringValue == "RUNNING", "output is readable while the job runs")
            #expect(try await storage.output(under: uri).contains("stage 2 of 3"))

            sandbox.clock.advance(by: 1)  // DONE
            let names = try await storage.names(under: uri)
            #expect(names.map { String($0.suffix(9)) } == ["000000000", "000000001", "000000002", "000000003", "000000004"])
            let output = try await storage.output(under: uri)
            #expect(output.hasPrefix("Sandbox driver: running gs://bucket/main.py for job streams"))
            #expect(output.hasSuffix("Driver finished successfully.\n"))
        }
    }

    @Test func metadataMatchesTheContent() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            let uri = try await submit(sandbox, jobId: "meta")
            sandbox.clock.advance(by: 10)
            let (bucket, prefix) = StorageClient.split(uri)
            let name = prefix + ".000000004"
            let metadata = try await storage.get("\(bucket)/o/\(StorageClient.encoded(name))")
            #expect(metadata.status == 200, "\(metadata.text)")
            let media = try await storage.get("\(bucket)/o/\(StorageClient.encoded(name))?alt=media")
            #expect(media.headers["content-type"] == "application/octet-stream")
            #expect(metadata.json?["name"]?.stringValue == name)
            #expect(metadata.json?["bucket"]?.stringValue == bucket)
            #expect(metadata.json?["kind"]?.stringValue == "storage#object")
            #expect(metadata.json?["size"]?.stringValue == String(media.body.count))
            #expect(metadata.json?["generation"]?.stringValue == media.headers["x-goog-generation"])
            #expect(media.headers["x-goog-hash"] == "md5=" + (metadata.json?["md5Hash"]?.stringValue ?? "none"))
            let generation = metadata.json?["generation"]?.stringValue ?? ""
            #expect(try await storage.get("\(bucket)/o/\(StorageClient.encoded(name))?generation=\(generation)&alt=media").text == media.text)
            let download = sandbox.url(of: .storage).with("/download/storage/v1/b/\(bucket)/o/\(StorageClient.encoded(name))")
            #expect(try await LoopbackHTTP.get(download.with("?alt=media"), headers: storage.auth).text == media.text)
            #expect(try await LoopbackHTTP.get(download, headers: storage.auth).status == 400, "the download service serves media only")
            #expect(try await storage.get("\(bucket)/o/\(StorageClient.encoded(name))?generation=1").status == 404)
            #expect(try await storage.get("\(bucket)/o/\(StorageClient.encoded(prefix + ".000000009"))").status == 404)
            #expect(try await storage.get("other-bucket/o").status == 404)
            let found = try await storage.get("\(bucket)?projection=noAcl")
            #expect(found.json?["name"]?.stringValue == bucket)
            #expect(found.json?["kind"]?.stringValue == "storage#bucket")
            #expect(try await storage.get("other-bucket").status == 404)
        }
    }

    @Test func aFailingJobEndsWithItsTracebackAndACancelledOneStopsWriting() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            let failing = try await submit(sandbox, jobId: "fails", main: "gs://bucket/fail.py")
            let cancelled = try await submit(sandbox, jobId: "cancelled")
            sandbox.clock.advance(by: 2.6)
            _ = try await LoopbackHTTP.postJSON(sandbox.dataprocURL.with(sandbox.jobsPath + "/cancelled:cancel"), [:], headers: storage.auth)
            sandbox.clock.advance(by: 10)
            let traceback = try await storage.output(under: failing)
            #expect(traceback.contains("Traceback (most recent call last):"))
            #expect(traceback.hasSuffix("RuntimeError: Sandbox: the workload asked to fail\n"))
            #expect(try await storage.names(under: cancelled).count == 2, "chunks at 0 and ¼ of the run, then the cancel")
            #expect(try await !storage.output(under: cancelled).contains("finished"))
        }
    }

    @Test func batchesWriteToTheirOutputUri() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            _ = try await LoopbackHTTP.postJSON(
                sandbox.dataprocURL.with("/v1/projects/demo-project/locations/europe-west1/batches?batchId=with-output"),
                ["pysparkBatch": ["mainPythonFileUri": "gs://bucket/count.py"]], headers: storage.auth)
            sandbox.clock.advance(by: 10)
            let batch = try await LoopbackHTTP.get(
                sandbox.dataprocURL.with("/v1/projects/demo-project/locations/europe-west1/batches/with-output"), headers: storage.auth)
            let uri = try #require(batch.json?.value(at: "runtimeInfo.outputUri")?.stringValue)
            let output = try await storage.output(under: uri)
            #expect(output.hasPrefix("Sandbox driver: running gs://bucket/count.py for batch with-output"))
            #expect(output.hasSuffix("Driver finished successfully.\n"))
        }
    }

    @Test func listingPagesAndCollapsesPrefixes() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            _ = try await submit(sandbox, jobId: "one")
            _ = try await submit(sandbox, jobId: "two")
            sandbox.clock.advance(by: 10)
            let bucket = DriverOutput.bucket
            var seen: [String] = []
            var token: String?
            repeat {
                let page = try await storage.get("\(bucket)/o?maxResults=3" + (token.map { "&pageToken=\($0)" } ?? "")).json
                seen += page?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                token = page?["nextPageToken"]?.stringValue
            } while token != nil
            #expect(seen.count == 10)
            #expect(seen == seen.sorted())
            let top = try await storage.get("\(bucket)/o?delimiter=%2F").json
            #expect(top?["prefixes"]?.arrayValue?.compactMap(\.stringValue) == ["google-cloud-dataproc-metainfo/"])
            #expect(top?["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func callersNeedATokenWithAStorageScope() async throws {
        try await withManualSandbox { sandbox in
            let storage = StorageClient(sandbox)
            let bucket = DriverOutput.bucket
            #expect(try await storage.get("\(bucket)/o").status == 200)
            #expect(try await storage.get("\(bucket)/o", headers: [:]).status == 401)
            #expect(try await storage.get("\(bucket)/o", headers: ["Authorization": "Bearer forged"]).status == 401)
            let readOnly = sandbox.issueAccessToken(scopes: ["https://www.googleapis.com/auth/devstorage.read_only"]).token
            #expect(try await storage.get("\(bucket)/o", headers: ["Authorization": "Bearer \(readOnly)"]).status == 200)
            let openid = sandbox.issueAccessToken(scopes: ["openid"]).token
            #expect(try await storage.get("\(bucket)/o", headers: ["Authorization": "Bearer \(openid)"]).status == 403)
            let expired = sandbox.issueAccessToken(lifetime: 1).token
            sandbox.clock.advance(by: 2)
            #expect(try await storage.get("\(bucket)/o", headers: ["Authorization": "Bearer \(expired)"]).status == 401)
            let unknown = try await storage.get("\(bucket)/o?colour=red")
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("colour"))
            let names = try await storage.get("\(bucket)/o?$alt=json&prettyPrint=false&fields=items(name),nextPageToken")
            #expect(names.status == 200)
            #expect(names.json == ["items": []])
        }
    }
}
