import Foundation
import GatehouseCore

/// A Serverless for Apache Spark batch the sandbox holds (`projects.locations.batches`): what the
/// client sent plus the server's bookkeeping. Like jobs, its state is derived from the sandbox
/// clock: PENDING, one step later RUNNING, one more SUCCEEDED (or FAILED when it asked to);
/// a cancel makes it CANCELLING, and CANCELLED one step later. A batch run on the local Spark
/// (`realRun`) follows its run instead.
public struct DataprocBatch: Sendable {
    /// Project from the request path.
    public var projectId: String
    /// Location (region) from the request path.
    public var location: String
    /// The batch id (client's `batchId` or server-made).
    public var batchId: String
    /// The create request's `requestId`, if any.
    public var requestId: String?
    /// Server-assigned uuid.
    public var uuid: String
    /// When it was created (sandbox clock).
    public var createdAt: Date
    /// When a cancel was asked for (sandbox clock), if one was.
    public var cancelRequestedAt: Date?
    /// The id of its create operation.
    public var operationId: String
    /// Who created it (the token's email).
    var creator: String
    /// The client's Batch object as sent (normalized, output-only fields dropped).
    var submitted: JSONValue
    /// Deleted by `batches.delete` (kept for its operation and requestId).
    var deleted = false
    /// Whether it asked to fail (`fail.py` main file or the `sandbox.fail` runtime property).
    var failsOnPurpose: Bool
    /// The run on the local Spark (`--spark local`), nil when simulated.
    var realRun: RealRun? = nil

    /// `projects/{project}/locations/{location}/batches/{batchId}`.
    public var name: String { "projects/\(projectId)/locations/\(location)/batches/\(batchId)" }

    /// Its key among the local Spark's runs.
    var sparkKey: String { "batch/\(projectId)/\(uuid)" }

    /// Its create operation's name: batch operations live under `regions`, as on the real service.
    public var operationName: String { "projects/\(projectId)/regions/\(location)/operations/\(operationId)" }

    /// Where the workload's driver output goes (a Cloud Storage prefix of numbered chunks).
    public var outputUri: String { "gs://\(DriverOutput.bucket)/\(driverOutputPrefix)" }

    /// States after which nothing changes.
    static let terminal: Set<String> = ["SUCCEEDED", "FAILED", "CANCELLED"]

    /// Every state entered by `now`, oldest first.
    func timeline(at now: Date, stepSeconds: TimeInterval) -> [StatusEntry] {
        if let realRun { return realTimeline(realRun) }
        var entries = [StatusEntry(state: "PENDING", start: createdAt)]
        let running = createdAt.addingTimeInterval(stepSeconds)
        let finished = createdAt.addingTimeInterval(2 * stepSeconds)
        let cutoff = cancelRequestedAt.map { min($0, now) } ?? now
        if cutoff >= running { entries.append(StatusEntry(state: "RUNNING", start: running)) }
        if cutoff >= finished { entries.append(StatusEntry(state: failsOnPurpose ? "FAILED" : "SUCCEEDED", start: finished)) }
        if let cancel = cancelRequestedAt, cancel <= now, !Self.terminal.contains(entries.last!.state) {
            entries.append(StatusEntry(state: "CANCELLING", start: cancel))
            let cancelled = cancel.addingTimeInterval(stepSeconds)
            if now >= cancelled { entries.append(StatusEntry(state: "CANCELLED", start: cancelled)) }
        }
        return entries
    }

    /// The states of a real run: RUNNING while the driver process lives, then how it ended.
    private func realTimeline(_ run: RealRun) -> [StatusEntry] {
        var entries = [StatusEntry(state: "PENDING", start: createdAt)]
        if let started = run.startedAt { entries.append(StatusEntry(state: "RUNNING", start: started)) }
        if let cancel = cancelRequestedAt, run.endedAt.map({ cancel <= $0 }) ?? true {
            entries.append(StatusEntry(state: "CANCELLING", start: cancel))
        }
        if let ended = run.endedAt {
            let state = entries.last!.state == "CANCELLING" ? "CANCELLED" : run.failure == nil ? "SUCCEEDED" : "FAILED"
            entries.append(StatusEntry(state: state, start: ended))
        }
        return entries
    }

    /// The current state at `now`.
    func state(at now: Date, stepSeconds: TimeInterval) -> String { timeline(at: now, stepSeconds: stepSeconds).last!.state }

    /// When the workload ran: from RUNNING to its end (or `now` while it runs); nil before it ran.
    func runInterval(at now: Date, stepSeconds: TimeInterval) -> ClosedRange<Date>? {
        let entries = timeline(at: now, stepSeconds: stepSeconds)
        guard let running = entries.first(where: { $0.state == "RUNNING" }) else { return nil }
        let end = entries.first { Self.terminal.contains($0.state) || $0.state == "CANCELLING" }?.start ?? now
        return running.start...max(running.start, end)
    }

    /// Why it ended, as `stateMessage` says it.
    private func message(for state: String) -> String? {
        switch state {
        case "FAILED":
            realRun?.failure.map { "Batch failed: " + $0 } ?? "Batch failed: the driver exited with code 1 (Sandbox: the batch asked to fail)."
        case "CANCELLED": "Batch was cancelled."
        default: nil
        }
    }

    /// The Batch resource as `batches.get` returns it at `now`.
    func resource(at now: Date, stepSeconds: TimeInterval) -> JSONValue {
        let timeline = timeline(at: now, stepSeconds: stepSeconds)
        let current = timeline.last!
        var batch = submitted.objectValue ?? [:]
        batch["name"] = .string(name)
        batch["uuid"] = .string(uuid)
        batch["createTime"] = .string(GoogleTime.timestamp(createdAt))
        batch["creator"] = .string(creator)
        batch["operation"] = .string(operationName)
        batch["state"] = .string(current.state)
        batch["stateTime"] = .string(GoogleTime.timestamp(current.start))
        if let message = message(for: current.state) { batch["stateMessage"] = .string(message) }
        batch["stateHistory"] = .array(timeline.dropLast().map { .object($0.json) })
        var runtime = submitted["runtimeConfig"]?.objectValue ?? [:]
        if runtime["version"] == nil { runtime["version"] = "2.2" }
        batch["runtimeConfig"] = .object(runtime)
        var info: [String: JSONValue] = [:]
        if timeline.contains(where: { $0.state == "RUNNING" }) { info["outputUri"] = .string(outputUri) }
        batch["runtimeInfo"] = .object(info)
        return .object(batch)
    }
}
