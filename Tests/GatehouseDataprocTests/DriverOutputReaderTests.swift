import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseTesting
import Testing

@Suite("Driver output through Cloud Storage")
struct DriverOutputReaderTests {
    @Test func locationsParseAndNumberChunksAsDataprocDoes() throws {
        let location = try #require(DriverOutputLocation(uri: "gs://staging/google-cloud-dataproc-metainfo/u/jobs/j/driveroutput"))
        #expect(location.bucket == "staging")
        #expect(location.prefix == "google-cloud-dataproc-metainfo/u/jobs/j/driveroutput")
        #expect(location.chunkName(7) == location.prefix + ".000000007")
        #expect(location.chunkIndex(of: location.prefix + ".000000012") == 12)
        #expect(location.chunkIndex(of: location.prefix + ".12") == nil)
        #expect(location.chunkIndex(of: location.prefix + "x.000000001") == nil)
        for bad in ["s3://b/p", "gs://", "gs://bucket", "gs://bucket/", "gs:///p"] { #expect(DriverOutputLocation(uri: bad) == nil, "\(bad)") }
    }

    private static func reader(_ harness: DataprocHarness, token: String? = nil) -> DriverOutputReader {
        let fixed = token ?? harness.sandbox.issueAccessToken(lifetime: 24 * 3600).token
        return DriverOutputReader(http: harness.http, baseURL: harness.sandbox.url(of: .storage).absoluteString, timeout: .seconds(3)) { fixed }
    }

    private static func submit(_ harness: DataprocHarness, _ jobID: String, main: String = "gs://bucket/main.py") async throws -> DriverOutputLocation
    {
        let job = try DataprocHarness.pyspark(main).submission(jobID: jobID, location: harness.location)
        let submitted = try await harness.client.submit(job, requestID: jobID, at: harness.location)
        return try #require(submitted["driverOutputResourceUri"]?.stringValue.flatMap(DriverOutputLocation.init(uri:)))
    }

    @Test func readsResumeWhereTheyLeftOffWithoutRepeating() async throws {
        let harness = try await DataprocHarness.start()
        do {
            let reader = Self.reader(harness)
            let location = try await Self.submit(harness, "gh-output-1")
            #expect(try await reader.chunks(of: location).isEmpty)
            harness.sandbox.clock.advance(by: 2)
            let first = try await reader.chunks(of: location)
            #expect(first.map(\.index) == [0])
            harness.sandbox.clock.advance(by: 1)
            let second = try await reader.chunks(of: location, from: 1)
            #expect(second.map(\.index) == [1, 2])
            harness.sandbox.clock.advance(by: 5)
            let rest = try await reader.chunks(of: location, from: 3)
            #expect(rest.map(\.index) == [3, 4])
            let text = String(decoding: (first + second + rest).flatMap(\.data), as: UTF8.self)
            #expect(text.hasPrefix("Sandbox driver: running gs://bucket/main.py for job gh-output-1"))
            #expect(text.hasSuffix("Driver finished successfully.\n"))
            #expect(try await reader.chunks(of: location, from: 5).isEmpty)
            #expect(try await reader.chunks(of: location).flatMap(\.data) == (first + second + rest).flatMap(\.data))
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func followYieldsChunksBeforeTheJobEndsAndEndsWithIt() async throws {
        let harness = try await DataprocHarness.start()
        do {
            let reader = Self.reader(harness)
            let location = try await Self.submit(harness, "gh-output-2", main: "gs://bucket/fail.py")
            let client = harness.client
            let at = harness.location
            var chunks = reader.follow(
                location, interval: .milliseconds(20),
                ended: {
                    try await client.job("gh-output-2", at: at)["done"]?.boolValue == true
                }
            ).makeAsyncIterator()
            // The sandbox clock moves only here: the driver starts, and its first chunk arrives
            // while the job is RUNNING.
            harness.sandbox.clock.advance(by: 2)
            let first = try await chunks.next()
            #expect(first?.index == 0)
            #expect(try await client.job("gh-output-2", at: at)["status"]?["state"]?.stringValue == "RUNNING")
            harness.sandbox.clock.advance(by: 1)
            let second = try await chunks.next()
            #expect(second?.index == 1)
            harness.sandbox.clock.advance(by: 10)
            var received = [first, second].compactMap { $0 }
            while let chunk = try await chunks.next() { received.append(chunk) }
            #expect(received.map(\.index) == [0, 1, 2, 3, 4], "every chunk once, in order, then the end")
            let text = String(decoding: received.flatMap(\.data), as: UTF8.self)
            #expect(text.contains("Traceback (most recent call last):"))
            #expect(try await client.job("gh-output-2", at: at)["status"]?["state"]?.stringValue == "ERROR")
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func followReadsThroughPassingFailuresAndStopsOnOthers() async throws {
        let harness = try await DataprocHarness.start()
        do {
            let location = try await Self.submit(harness, "gh-output-3")
            harness.sandbox.clock.advance(by: 10)
            // Four 503s: the HTTP client's own retry absorbs one; the follower reads again for the rest.
            try await harness.sandbox.setFault(SandboxFault(kind: .status, count: 4, status: 503), on: .storage)
            var indices: [Int] = []
            for try await chunk in Self.reader(harness).follow(location, interval: .milliseconds(20), ended: { true }) { indices.append(chunk.index) }
            #expect(indices == [0, 1, 2, 3, 4])

            let missing = try #require(DriverOutputLocation(uri: "gs://no-such-bucket/x/driveroutput"))
            await #expect(throws: DriverOutputError.upstream(status: 404, message: "The specified bucket does not exist.")) {
                for try await _ in Self.reader(harness).follow(missing, interval: .milliseconds(20), ended: { false }) {}
            }
            let forged = await #expect(throws: DriverOutputError.self) {
                try await Self.reader(harness, token: "forged-token-value").chunks(of: location)
            }
            guard case .upstream(401, _)? = forged else {
                Issue.record("got \(String(describing: forged))")
                throw CancellationError()
            }
            #expect(forged?.isRetryable == true, "a refreshed token may succeed")
            #expect(forged?.description.contains("forged-token-value") == false)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}
