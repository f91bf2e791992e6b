import Foundation
import GatehouseCore
import GatehouseDataproc
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Logging
import Testing

/// Serverless batches in the domain: ids, locations, spec checks, and the outbox cases the daemon
/// tests cannot force (ALREADY_EXISTS for our own batchId, a cancel after a lost answer).
@Suite("Serverless batches", .serialized, .timeLimit(.minutes(2)))
struct BatchTests {
    static let location = BatchLocation(project: "demo-project", region: "europe-west1")
    static let pyspark: JSONValue = ["pysparkBatch": ["mainPythonFileUri": "gs://bucket/main.py"]]

    @Test func localIDsAreDataprocBatchIDsAndOthersAreDerivedWithinTheRule() {
        let id = BatchRecord.newID()
        #expect(BatchID.isValid(id) && BatchID.derive(from: id) == id)
        for odd in ["ab", "Gh_Upper_Case", String(repeating: "x", count: 64), "é-batch"] {
            let derived = BatchID.derive(from: odd)
            #expect(BatchID.isValid(derived), "\(odd) → \(derived)")
            #expect(derived == BatchID.derive(from: odd), "stable across attempts")
        }
        #expect(BatchID.derive(from: "ab") != BatchID.derive(from: "abc"))
    }

    @Test func entitiesNameTheirServerlessTargetByAnnotation() throws {
        let serverless = try BatchLocation(
            annotations: ["dataproc.googleapis.com/project": "p-1", "dataproc.googleapis.com/serverless-region": "us-east1"], entity: "e")
        #expect(serverless == BatchLocation(project: "p-1", region: "us-east1"))
        let fallback = try BatchLocation(
            annotations: ["dataproc.googleapis.com/project": "p-1", "dataproc.googleapis.com/region": "europe-west1"], entity: "e")
        #expect(fallback.region == "europe-west1")
        #expect(throws: DataprocError.self) { try BatchLocation(annotations: ["dataproc.googleapis.com/project": "p-1"], entity: "e") }
    }

    @Test func specsAreCheckedAgainstTheDiscoveryDocument() throws {
        let spec = try BatchSpec(["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "runtimeConfig": ["version": "2.2"]])
        #expect(spec.workload == .pyspark)
        let labelled = spec.submission(entity: "component:default/x", owner: "group:default/team-a", principal: "alice")
        #expect(labelled["labels"]?["gatehouse-owner"] == "team-a" && labelled["labels"]?["gatehouse-principal"] == "alice")
        func problems(_ value: JSONValue) -> [String] {
            do {
                _ = try BatchSpec(value)
                return []
            } catch {
                if case .invalidSpec(let found) = error { return found }
                return ["\(error)"]
            }
        }
        #expect(problems(["pysparkBatch": [:]]) == ["batch.pysparkBatch.mainPythonFileUri is required (the driver, e.g. gs://bucket/main.py)"])
        #expect(problems(["labels": ["a": "b"]]).contains { $0.hasPrefix("batch needs one workload") })
        #expect(
            problems(["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "state": "RUNNING"]) == [
                "batch.state is set by Dataproc and cannot be sent"
            ])
        #expect(
            problems(["pysparkBatch": ["mainPythonFileUri": "gs://b/m.py"], "environmentConfig": ["executionConfig": ["ttl": 5]]])
                == ["batch.environmentConfig.executionConfig.ttl must be a string"])
    }

    /// A harness whose job sender also carries the batch kinds, and a batch service beside it.
    private func withBatches(
        backoff: Backoff = Backoff(base: 0.05, cap: 0.5), _ body: (DataprocHarness, BatchService) async throws -> Void
    ) async throws {
        let harness = try await DataprocHarness.start(sender: .init(backoff: backoff))
        var logger = Logger(label: "test.batches")
        logger.logLevel = .critical
        let batches = BatchService(
            store: harness.store, client: harness.client, sender: harness.service.sender, tracker: .init(minInterval: 0.1, maxInterval: 0.5),
            logger: logger)
        let tracking = Task { await batches.run() }
        do {
            try await harness.running { try await body(harness, batches) }
        } catch {
            tracking.cancel()
            await harness.stop()
            throw error
        }
        tracking.cancel()
        await harness.stop()
    }

    @Test func alreadyExistsForOurOwnBatchIDIsSuccessNotASecondBatch() async throws {
        try await withBatches { harness, batches in
            let (batch, work) = batches.prepareSubmit(
                try BatchSpec(Self.pyspark), entity: "component:default/x", owner: nil, location: Self.location, principal: "alice")
            // An earlier attempt made the batch under a requestId Dataproc has since forgotten: the
            // resend is refused as ALREADY_EXISTS, which for our own batchId means it got through.
            _ = try await harness.client.createBatch(Self.pyspark, batchID: batch.upstreamID, requestID: "forgotten-request", at: Self.location)
            try await harness.store.writer.write(work)
            let adopted = try await eventually(timeout: .seconds(20)) {
                try await batches.batches.batch(batch.batchId).map { $0.state == BatchState.pending && $0.operation != nil } ?? false
            }
            let record = try await batches.batches.batch(batch.batchId)
            #expect(adopted, "\(String(describing: record))")
            #expect(harness.sandbox.dataproc.batches.all.map(\.batchId) == [batch.batchId])
            let entries = try await batches.outbox.entries(for: batch.batchId)
            #expect(entries.map(\.state) == [.delivered])
        }
    }

    @Test func aCancelAfterALostAnswerCancelsTheBatchThatArrived() async throws {
        // The retry waits 20 s, so the create is surely still pending when the person cancels.
        try await withBatches(backoff: Backoff(base: 20, cap: 20)) { harness, batches in
            // Dataproc makes the batch but the answer is lost; the person cancels while the create is
            // still pending locally. The create is resent at once (same requestId) and its answer cancels it.
            try await harness.sandbox.setFault(SandboxFault(kind: .resetAfterBody, count: 2), on: .dataproc)
            let batch = try await batches.submit(try BatchSpec(Self.pyspark), entity: "component:default/x", location: Self.location, principal: "a")
            let arrived = try await eventually(timeout: .seconds(10)) { harness.sandbox.dataproc.batches.all.count == 1 }
            #expect(arrived)
            let tried = try await eventually(timeout: .seconds(10)) {
                try await batches.outbox.entries(for: batch.batchId).first.map { $0.attempts >= 1 && $0.state == .pending } ?? false
            }
            #expect(tried)
            let queued = try #require(try await batches.batches.batch(batch.batchId))
            try await harness.store.writer.write(try batches.prepareCancel(queued))
            #expect(try await batches.batches.batch(batch.batchId)?.state == JobState.cancelled)
            let cancelledUpstream = try await eventually(timeout: .seconds(30)) {
                harness.sandbox.dataproc.batches.all.first?.cancelRequestedAt != nil
            }
            #expect(cancelledUpstream, "the batch that reached Dataproc is cancelled there")
            #expect(harness.sandbox.dataproc.batches.all.count == 1)
            harness.sandbox.clock.advance(by: 10)
            let ended = try await eventually(timeout: .seconds(20)) { try await batches.batches.batch(batch.batchId)?.state == JobState.cancelled }
            #expect(ended)
            let kinds = try await batches.outbox.entries(for: batch.batchId).map(\.kind)
            #expect(kinds == [BatchOutboxKind.create, BatchOutboxKind.cancel])
        }
    }
}
