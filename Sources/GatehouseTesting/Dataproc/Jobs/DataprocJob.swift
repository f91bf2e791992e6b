import Foundation
import GatehouseCore

/// A job the Dataproc sandbox holds: what the client submitted plus the server's bookkeeping.
/// Its state is not stored but derived from the sandbox clock, so advancing the clock moves it;
/// a job run on the local Spark (`realRun`) follows its run instead.
public struct DataprocJob: Sendable {
    /// Project from the request path.
    public var projectId: String
    /// Region from the request path.
    public var region: String
    /// The job id (client's `reference.jobId` or server-made).
    public var jobId: String
    /// The submit request's `requestId`, if any.
    public var requestId: String?
    /// When it was submitted (sandbox clock).
    public var submittedAt: Date
    /// When it was cancelled (sandbox clock), if it was.
    public var cancelledAt: Date?
    /// The client's Job object as submitted.
    var submitted: JSONValue
    /// Server-assigned uuids.
    var jobUuid: String
    var clusterUuid: String
    /// Whether the job asked to fail (`fail.py` main file or the `sandbox.fail` property).
    var failsOnPurpose: Bool
    /// The run on the local Spark (`--spark local`), nil when simulated.
    var realRun: RealRun? = nil

    /// Every state the job has entered by `now`, oldest first.
    func timeline(at now: Date, stepSeconds: TimeInterval) -> [StatusEntry] {
        if let realRun { return realTimeline(realRun) }
        var entries = [StatusEntry(state: "PENDING", start: submittedAt)]
        let running = submittedAt.addingTimeInterval(stepSeconds)
        let finished = submittedAt.addingTimeInterval(2 * stepSeconds)
        let cutoff = cancelledAt.map { min($0, now) } ?? now
        if cutoff >= running { entries.append(StatusEntry(state: "RUNNING", start: running)) }
        if cutoff >= finished { entries.append(StatusEntry(state: failsOnPurpose ? "ERROR" : "DONE", start: finished)) }
        if let cancelledAt, cancelledAt <= now, !Self.terminal.contains(entries.last!.state) {
            entries.append(StatusEntry(state: "CANCEL_PENDING", start: cancelledAt))
            entries.append(StatusEntry(state: "CANCELLED", start: cancelledAt))
        }
        return entries
    }

    /// The states of a real run: RUNNING while the driver process lives, then how it ended.
    private func realTimeline(_ run: RealRun) -> [StatusEntry] {
        var entries = [StatusEntry(state: "PENDING", start: submittedAt)]
        if let started = run.startedAt { entries.append(StatusEntry(state: "RUNNING", start: started)) }
        if let cancelledAt, run.endedAt.map({ cancelledAt <= $0 }) ?? true {
            entries.append(StatusEntry(state: "CANCEL_PENDING", start: cancelledAt))
        }
        if let ended = run.endedAt {
            let state = entries.last!.state == "CANCEL_PENDING" ? "CANCELLED" : run.failure == nil ? "DONE" : "ERROR"
            entries.append(StatusEntry(state: state, start: ended))
        }
        return entries
    }

    /// From submission to the moment the job ends (finishes or is cancelled), on the sandbox clock:
    /// clusters count a job's cluster as busy during it.
    func activeInterval(stepSeconds: TimeInterval) -> ClosedRange<Date> {
        if let realRun { return submittedAt...max(submittedAt, realRun.endedAt ?? .distantFuture) }
        let finished = submittedAt.addingTimeInterval(2 * stepSeconds)
        return submittedAt...max(submittedAt, min(cancelledAt ?? finished, finished))
    }

    /// The current state at `now`.
    func state(at now: Date, stepSeconds: TimeInterval) -> String { timeline(at: now, stepSeconds: stepSeconds).last!.state }

    /// States after which nothing changes.
    static let terminal: Set<String> = ["DONE", "ERROR", "CANCELLED"]

    /// The Job resource as `jobs.get` returns it at `now`.
    func resource(at now: Date, stepSeconds: TimeInterval) -> JSONValue {
        let timeline = timeline(at: now, stepSeconds: stepSeconds)
        let current = timeline.last!
        var status = current.json
        if current.state == "ERROR" {
            status["details"] = .string("Job failed with message [\(realRun?.failure ?? "Sandbox: the job asked to fail")].")
        }
        if current.state == "PENDING" { status["substate"] = "QUEUED" }
        var job = submitted.objectValue ?? [:]
        job["reference"] = ["projectId": .string(projectId), "jobId": .string(jobId)]
        var placement = job["placement"]?.objectValue ?? [:]
        placement["clusterUuid"] = .string(clusterUuid)
        job["placement"] = .object(placement)
        job["status"] = .object(status)
        job["statusHistory"] = .array(timeline.dropLast().map { .object($0.json) })
        job["jobUuid"] = .string(jobUuid)
        let output = "gs://\(DriverOutput.bucket)/\(driverOutputPrefix)"
        job["driverControlFilesUri"] = .string(String(output.dropLast("driveroutput".count)))
        job["driverOutputResourceUri"] = .string(output)
        job["done"] = .bool(Self.terminal.contains(current.state))
        return .object(job)
    }
}

extension DataprocJob {
    /// Its key among the local Spark's runs.
    var sparkKey: String { "job/\(projectId)/\(jobUuid)" }
}
