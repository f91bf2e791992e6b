import Foundation
import GRDB
import GatehouseCore
import GatehouseDataproc
import GatehouseHTTP
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Testing

@Suite("Outbox, sender and tracker against the sandbox")
struct OutboxTests {
    /// Runs `body` with a fresh harness whose sender and tracker are running.
    private func withRunningHarness(
        requestTimeout: Duration = .seconds(3), _ body: (DataprocHarness) async throws -> Void
    ) async throws {
        let harness = try await DataprocHarness.start(requestTimeout: requestTimeout)
        do {
            try await harness.running { try await body(harness) }
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func everyJobReachesDataprocExactlyOnceThroughResetsErrorsAndRateLimits() async throws {
        try await withRunningHarness { harness in
            // Faults first, so the first sends meet them.
            try await harness.sandbox.setFault(SandboxFault(kind: .resetAfterBody, count: 15), on: .dataproc)
            try await harness.sandbox.setFault(SandboxFault(kind: .status, count: 10, status: 503), on: .dataproc)
            try await harness.sandbox.setFault(SandboxFault(kind: .ratelimit, count: 3, retryAfter: 0), on: .dataproc)
            let ids = try await harness.submit(60)
            let allSent = try await eventually { (try await harness.counts()[JobState.queued] ?? 0) == 0 }
            let counts = try await harness.counts()
            #expect(allSent, "still queued: \(counts)")
            let upstream = harness.upstreamCopies()
            #expect(upstream.count == 60)
            #expect(Set(upstream.keys) == Set(ids))
            #expect(upstream.values.allSatisfy { $0 == 1 })
            let requestIDs = harness.sandbox.dataproc.jobs.all.compactMap(\.requestId)
            #expect(Set(requestIDs) == Set(ids), "requestId is derived from the local job id")
            let log = harness.sandbox.requestLog.recent(upstream: .dataproc, limit: 10_000)
            #expect(log.contains { $0.fault == "reset-after-body" }, "the reset fault was exercised")
        }
    }

    @Test func trackerFollowsJobsToTheEndAndStoresTransitions() async throws {
        try await withRunningHarness { harness in
            let ids = try await harness.submit(3)
            let ok1 = try await eventually { (try await harness.counts()["PENDING"] ?? 0) == 3 }
            #expect(ok1)
            harness.sandbox.clock.advance(by: 2.5)
            let ok2 = try await eventually { (try await harness.counts()["RUNNING"] ?? 0) == 3 }
            #expect(ok2)
            harness.sandbox.clock.advance(by: 2.5)
            let ok3 = try await eventually { (try await harness.counts()[JobState.done] ?? 0) == 3 }
            #expect(ok3)
            let (job, transitions, entries) = try await harness.service.status(ids[0])
            #expect(transitions.map(\.state) == ["QUEUED", "PENDING", "RUNNING", "DONE"])
            #expect(job.finishedAt != nil && job.jobUuid != nil && job.submittedAt != nil)
            #expect(entries.map(\.state) == [.delivered])
        }
    }

    @Test func permanentRefusalEndsTheJobAsRejectedWithTheUpstreamMessage() async throws {
        try await withRunningHarness { harness in
            let bad = DataprocLocation(project: "Not_A_Project", region: "europe-west1", cluster: "c")
            let ids = try await harness.submit(1, location: bad)
            let ok4 = try await eventually { try await harness.service.jobs.job(ids[0])?.state == JobState.rejected }
            #expect(ok4)
            let job = try #require(try await harness.service.jobs.job(ids[0]))
            #expect(job.detail?.contains("Invalid project id") == true)
            #expect(harness.sandbox.dataproc.jobs.all.isEmpty)
        }
    }

    @Test func offlineJobsStayQueuedWithTheirLastErrorThenGoWhenDataprocReturns() async throws {
        try await withRunningHarness { harness in
            try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            let ids = try await harness.submit(10)
            let failedOnce = try await eventually {
                try await harness.service.outbox.entries(for: ids[0]).first?.lastError != nil
            }
            #expect(failedOnce)
            let (job, _, entries) = try await harness.service.status(ids[0])
            #expect(job.state == JobState.queued)
            #expect(entries.first?.lastError?.contains("Dataproc is unreachable") == true)
            #expect(harness.sandbox.dataproc.jobs.all.isEmpty)

            try await harness.sandbox.clearFaults(on: .dataproc)
            let recovered = ContinuousClock.now
            let drained = try await eventually(timeout: .seconds(10)) { (try await harness.counts()[JobState.queued] ?? 0) == 0 }
            #expect(drained)
            #expect(ContinuousClock.now - recovered < .seconds(10))
            #expect(harness.upstreamCopies().count == 10)
        }
    }

    @Test func timeoutsAreResentWithTheSameRequestIDAndCreateOneJob() async throws {
        try await withRunningHarness(requestTimeout: .milliseconds(400)) { harness in
            try await harness.sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 600), on: .dataproc)
            let ids = try await harness.submit(4)
            let timedOut = try await eventually {
                try await harness.service.outbox.entries(for: ids[0]).first?.lastError?.contains("did not answer") == true
            }
            #expect(timedOut)
            try await harness.sandbox.clearFaults(on: .dataproc)
            let ok5 = try await eventually { (try await harness.counts()[JobState.queued] ?? 0) == 0 }
            #expect(ok5)
            #expect(harness.upstreamCopies() == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
        }
    }

    @Test func cancellingAQueuedJobMeansItIsNeverSent() async throws {
        // The sender starts only after the cancel, so no attempt can be in flight when it lands
        // (that race ends with the job mirrored from Dataproc and a jobs.cancel queued instead).
        let harness = try await DataprocHarness.start()
        do {
            let ids = try await harness.submit(2)
            let job = try #require(try await harness.service.jobs.job(ids[0]))
            try await harness.store.writer.write(try harness.service.prepareCancel(job))
            #expect(try await harness.service.jobs.job(ids[0])?.state == JobState.cancelled)
            try await harness.running {
                let drained = try await eventually { (try await harness.counts()[JobState.queued] ?? 0) == 0 }
                #expect(drained)
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(Set(harness.upstreamCopies().keys) == [ids[1]])
            let cancelled = try #require(try await harness.service.jobs.job(ids[0]))
            #expect(cancelled.state == JobState.cancelled)
            #expect(throws: DataprocError.self) { try harness.service.prepareCancel(cancelled) }
            #expect(try await harness.service.outbox.entries(for: ids[0]).map(\.state) == [.cancelled])
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func aCancelAfterALostAnswerAsksDataprocToCancelWhatMayHaveArrived() async throws {
        // Dataproc accepts the job but both answers are lost, and the retry waits a minute: the submit is
        // still pending locally when the person cancels, yet the job exists upstream. (The retry's 20 s
        // pause also bounds how long a loaded machine's sender may take to send the cancel.)
        let harness = try await DataprocHarness.start(sender: .init(backoff: Backoff(base: 20, cap: 20)))
        do {
            try await harness.running {
                try await harness.sandbox.setFault(SandboxFault(kind: .resetAfterBody, count: 2), on: .dataproc)
                let ids = try await harness.submit(1)
                let arrived = try await eventually(timeout: .seconds(10)) { harness.sandbox.dataproc.jobs.all.count == 1 }
                #expect(arrived)
                let tried = try await eventually(timeout: .seconds(10)) {
                    try await harness.service.outbox.entries(for: ids[0]).first.map { $0.attempts >= 1 && $0.state == .pending } ?? false
                }
                #expect(tried)
                let job = try #require(try await harness.service.jobs.job(ids[0]))
                try await harness.store.writer.write(try harness.service.prepareCancel(job))
                #expect(try await harness.service.jobs.job(ids[0])?.state == JobState.cancelled)
                let cancelledUpstream = try await eventually(timeout: .seconds(60)) { harness.sandbox.dataproc.jobs.all.first?.cancelledAt != nil }
                #expect(cancelledUpstream, "the job that reached Dataproc keeps running although the person cancelled it")
                #expect(harness.upstreamCopies() == [ids[0]: 1])
            }
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func aCancelLandingWhileTheSubmitIsInFlightEndsWithTheJobCancelledUpstream() async throws {
        try await withRunningHarness { harness in
            // Each Dataproc call takes 2 s (under the client's 3 s deadline), and the cancel below lands once
            // the submit has reached Dataproc: while it is on the wire. (A fixed wait was not enough: on a
            // loaded CI machine the sender had not started yet, and the cancel rightly withdrew the submit.)
            try await harness.sandbox.setFault(SandboxFault(kind: .slow, milliseconds: 2000), on: .dataproc)
            let ids = try await harness.submit(1)
            let onTheWire = try await eventually(timeout: .seconds(20)) { harness.sandbox.requestLog.arrivals(on: .dataproc) >= 1 }
            #expect(onTheWire)
            let job = try #require(try await harness.service.jobs.job(ids[0]))
            #expect(job.state == JobState.queued)
            try await harness.store.writer.write(try harness.service.prepareCancel(job))
            #expect(try await harness.service.jobs.job(ids[0])?.state == JobState.cancelled)
            // Dataproc accepted it anyway: the record follows Dataproc, which is asked to cancel it.
            let cancelledUpstream = try await eventually(timeout: .seconds(20)) {
                harness.sandbox.dataproc.jobs.all.first?.cancelledAt != nil
            }
            #expect(cancelledUpstream)
            let ended = try await eventually(timeout: .seconds(20)) { try await harness.service.jobs.job(ids[0])?.state == JobState.cancelled }
            #expect(ended)
            // The tracker may mirror Dataproc's CANCELLED before the (slow) answer to jobs.cancel is committed.
            let delivered = try await eventually(timeout: .seconds(20)) {
                try await harness.service.status(ids[0]).2.last.map { $0.kind == JobOutboxKind.cancel && $0.state == .delivered } ?? false
            }
            #expect(delivered)
            let (_, transitions, entries) = try await harness.service.status(ids[0])
            #expect(transitions.map(\.state).prefix(2) == ["QUEUED", "CANCELLED"])
            // The submit's answer came in time (delivered), or the attempt timed out on a loaded machine
            // (withdrawn): either way Dataproc was asked to cancel, once.
            #expect(entries.map(\.kind) == [JobOutboxKind.submit, JobOutboxKind.cancel])
            #expect(entries.last?.state == .delivered)
            #expect(harness.upstreamCopies() == [ids[0]: 1])
        }
    }

    @Test func otherKindsOfRecordsUseTheSameOutboxThroughTheirOwnHandler() async throws {
        // What clusters will do: their own entries in the outbox, their own handler, the same sender.
        struct Recorder: OutboxHandler {
            let delivered: Doorbell
            func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws {
                try db.execute(
                    sql: "UPDATE dataproc_outbox SET last_error = ? WHERE id = ?",
                    arguments: ["seen " + (response["reference"]?["jobId"]?.stringValue ?? "?"), entry.id])
            }
            func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws {}
            func existingResourcePath(for entry: OutboxEntry) -> String? { nil }
            func committed(_ entry: OutboxEntry) async { delivered.ring() }
        }
        try await withRunningHarness { harness in
            let done = Doorbell()
            // Queued before its handler exists: it waits, it is not lost or rejected.
            let job = try DataprocHarness.pyspark().submission(jobID: "gh-other-kind-1", location: harness.location)
            let request = OutboxRequest(
                kind: "test.submit", recordID: "gh-other-kind-1", method: .POST, path: harness.location.regionPath + "/jobs:submit",
                body: DataprocClient.submitBody(job, requestID: "gh-other-kind-1"))
            _ = try await harness.store.writer.write { db in try Outbox.enqueue(request, in: db) }
            harness.service.sender.doorbell.ring()
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.sandbox.dataproc.jobs.all.isEmpty)
            #expect(try await harness.service.outbox.entries(for: "gh-other-kind-1").first?.state == .pending)

            harness.service.sender.register(Recorder(delivered: done), for: "test.submit")
            await done.wait(timeout: .seconds(10))
            let entry = try #require(try await harness.service.outbox.entries(for: "gh-other-kind-1").first)
            #expect(entry.state == .delivered && entry.lastError == "seen gh-other-kind-1")
            #expect(harness.upstreamCopies() == ["gh-other-kind-1": 1])
        }
    }

    @Test func aJobDeletedUpstreamIsNoLongerTracked() async throws {
        try await withRunningHarness { harness in
            let ids = try await harness.submit(1)
            let pending = try await eventually { try await harness.service.jobs.job(ids[0])?.state == "PENDING" }
            #expect(pending)
            harness.sandbox.dataproc.reset()
            let noted = try await eventually { try await harness.service.jobs.job(ids[0])?.detail?.contains("no longer knows") == true }
            #expect(noted)
            #expect(try await harness.service.jobs.job(ids[0])?.state == "PENDING")
        }
    }

    @Test func cancellingASubmittedJobAsksDataproc() async throws {
        try await withRunningHarness { harness in
            let ids = try await harness.submit(1)
            let ok7 = try await eventually { try await harness.service.jobs.job(ids[0])?.state == "PENDING" }
            #expect(ok7)
            let job = try #require(try await harness.service.jobs.job(ids[0]))
            try await harness.store.writer.write(try harness.service.prepareCancel(job))
            let ok8 = try await eventually { try await harness.service.jobs.job(ids[0])?.state == JobState.cancelled }
            #expect(ok8)
            let upstream = try #require(harness.sandbox.dataproc.jobs.all.first)
            #expect(upstream.cancelledAt != nil)
        }
    }

    @Test func jobsWaitingForApprovalAreNeverSentUntilApproved() async throws {
        try await withRunningHarness { harness in
            let service = harness.service
            let spec = try DataprocHarness.pyspark()
            let (held, work) = service.prepareSubmit(
                spec, entity: "component:default/analytics-pipeline", location: harness.location, principal: "alice@example.com", approvalID: "ap-1")
            let (expiring, work2) = service.prepareSubmit(
                spec, entity: "component:default/analytics-pipeline", location: harness.location, principal: "alice@example.com", approvalID: "ap-2")
            try await harness.store.writer.write(work)
            try await harness.store.writer.write(work2)
            #expect(held.state == JobState.pendingApproval)
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.sandbox.dataproc.jobs.all.isEmpty)

            #expect(try await service.resolveApproval("ap-2", .expired) == [expiring.jobId])
            #expect(try await service.resolveApproval("ap-1", .approved) == [held.jobId])
            let ok9 = try await eventually { try await service.jobs.job(held.jobId)?.state == "PENDING" }
            #expect(ok9)
            #expect(try await service.jobs.job(expiring.jobId)?.state == JobState.expired)
            #expect(Set(harness.upstreamCopies().keys) == [held.jobId])
            // A second resolution changes nothing.
            #expect(try await service.resolveApproval("ap-1", .denied(reason: "late")) == [])
        }
    }

    @Test func watchersHearEveryStateChange() async throws {
        try await withRunningHarness { harness in
            try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            let ids = try await harness.submit(1)
            let stream = harness.service.events.subscribe(to: ids[0])
            let collector = Task {
                var seen: [String] = []
                for await job in stream {
                    seen.append(job.state)
                    if job.isTerminal { break }
                }
                return seen
            }
            try await harness.sandbox.clearFaults(on: .dataproc)
            let ok10 = try await eventually { try await harness.service.jobs.job(ids[0])?.state == "PENDING" }
            #expect(ok10)
            harness.sandbox.clock.advance(by: 10)
            let seen = await collector.value
            #expect(seen.first == "PENDING")
            #expect(seen.last == JobState.done)
        }
    }
}
