import Foundation
import GatehouseCore

/// A cluster the Dataproc sandbox holds, including deleted ones (a deleted cluster's name may be
/// reused; the record stays so tests can inspect what happened).
///
/// Like jobs, its state is derived from the sandbox clock rather than stored: CREATING for one
/// step, then RUNNING until a delete request, `autoDeleteTtl`/`autoDeleteTime` or
/// `idleDeleteTtl` (measured against the jobs submitted to it) starts DELETING, and one step
/// later it is gone.
public struct DataprocCluster: Sendable {
    /// Why a cluster was (or will be) deleted.
    public enum DeletionReason: String, Sendable {
        /// A `clusters.delete` request.
        case requested
        /// `lifecycleConfig.autoDeleteTtl` or `autoDeleteTime` was reached.
        case autoDelete
        /// No job ran for `lifecycleConfig.idleDeleteTtl`.
        case idleDelete
    }

    /// Project from the request path.
    public var projectId: String
    /// Region from the request path.
    public var region: String
    /// The cluster's name.
    public var clusterName: String
    /// Server-made uuid, unique per created cluster.
    public var clusterUuid: String
    /// When `clusters.create` was received (sandbox clock).
    public var createdAt: Date
    /// The create request's `requestId`, if any.
    public var requestId: String?
    /// The client's labels (the service's `goog-dataproc-*` labels are added when shown).
    public var labels: [String: String]
    /// When a `clusters.delete` was accepted, if one was.
    public var deleteRequestedAt: Date?
    /// The Cluster as sent (output-only fields dropped), with patches applied.
    var sent: JSONValue
    var lifecycle: ClusterLifecycle
    /// When the lifecycle config last changed: deadlines never fall before it, so a patch never
    /// deletes a cluster retroactively.
    var lifecycleChangedAt: Date

    /// The parts of `Cluster` a server writes; AIP-203 says they are ignored on input.
    static let outputOnlyFields = ["clusterUuid", "status", "statusHistory", "metrics"]

    /// The labels the service adds to every cluster.
    var serviceLabels: [String: String] {
        ["goog-dataproc-cluster-name": clusterName, "goog-dataproc-cluster-uuid": clusterUuid, "goog-dataproc-location": region]
    }

    /// The client's labels plus the service's.
    var shownLabels: [String: String] { labels.merging(serviceLabels, uniquingKeysWith: { _, service in service }) }

    /// The software property that makes creation fail (CREATING → ERROR), so clients can test
    /// their handling of a failed operation; the sandbox's own hook, like jobs' `sandbox.fail`.
    static let failProperty = "sandbox:fail"

    /// Whether creation fails on purpose (`config.softwareConfig.properties["sandbox:fail"] == "true"`).
    var failsOnPurpose: Bool { sent.value(at: ["config", "softwareConfig", "properties", Self.failProperty])?.stringValue == "true" }

    /// What `status.detail` says once creation failed on purpose.
    static let failureDetail = "Sandbox: cluster creation failed because the request set softwareConfig.properties sandbox:fail=true."

    /// The fully qualified name used in Google error messages.
    var resourceName: String { "projects/\(projectId)/regions/\(region)/clusters/\(clusterName)" }

    /// Where the cluster stands at one instant, with the deletion it is heading for.
    struct Snapshot {
        /// States entered up to the instant, oldest first (the last one stays once the cluster is gone).
        var timeline: [StatusEntry]
        /// When it became RUNNING (or would have, had deletion not come first).
        var runningAt: Date
        /// The first deletion due, past or future.
        var deletion: (start: Date, reason: DeletionReason)?
        /// Since when it has been idle (RUNNING with no active job), when it is.
        var idleSince: Date?
        /// When deletion completes (nil while none is due).
        var goneAt: Date?

        /// True once deletion has completed.
        var isGone: Bool

        /// The current state, or nil once the cluster no longer exists.
        var state: String? { isGone ? nil : timeline.last?.state }
    }

    /// The snapshot at `now`, given the intervals during which jobs ran on the cluster.
    func snapshot(at now: Date, activity: [ClosedRange<Date>], stepSeconds: TimeInterval) -> Snapshot {
        let runningAt = createdAt.addingTimeInterval(stepSeconds)
        let busy = activity.filter { $0.lowerBound >= createdAt }.sorted { $0.lowerBound < $1.lowerBound }
        var candidates: [(start: Date, reason: DeletionReason)] = []
        if let deleteRequestedAt { candidates.append((deleteRequestedAt, .requested)) }
        if let scheduled = lifecycle.autoDeleteAt(createdAt: createdAt) { candidates.append((max(scheduled, lifecycleChangedAt), .autoDelete)) }
        if let ttl = lifecycle.idleDeleteTtl, !failsOnPurpose {  // only a RUNNING cluster idles
            let since = Self.idleSince(from: runningAt, busy: busy, until: nil, ttl: ttl)
            candidates.append((max(since.addingTimeInterval(ttl), lifecycleChangedAt), .idleDelete))
        }
        let deletion = candidates.min { $0.start < $1.start }
        let goneAt = deletion.map { $0.start.addingTimeInterval(stepSeconds) }

        var timeline = [StatusEntry(state: "CREATING", start: createdAt)]
        if runningAt <= now, deletion.map({ runningAt < $0.start }) ?? true {
            timeline.append(StatusEntry(state: failsOnPurpose ? "ERROR" : "RUNNING", start: runningAt))
        }
        if let deletion, deletion.start <= now { timeline.append(StatusEntry(state: "DELETING", start: deletion.start)) }
        let isGone = goneAt.map { $0 <= now } ?? false
        var idleSince: Date?
        if !isGone, timeline.last?.state == "RUNNING", !busy.contains(where: { $0.contains(now) }) {
            idleSince = Self.idleSince(from: runningAt, busy: busy, until: now, ttl: nil)
        }
        return Snapshot(timeline: timeline, runningAt: runningAt, deletion: deletion, idleSince: idleSince, goneAt: goneAt, isGone: isGone)
    }

    /// The start of the idle stretch that lasts `ttl` (the first such stretch), or, without a
    /// ttl, the start of the stretch going on at `until`.
    private static func idleSince(from start: Date, busy: [ClosedRange<Date>], until: Date?, ttl: TimeInterval?) -> Date {
        var since = start
        for interval in busy {
            if let ttl, interval.lowerBound >= since.addingTimeInterval(ttl) { break }
            if let until, interval.lowerBound > until { break }
            since = max(since, interval.upperBound)
        }
        return since
    }

    /// The Cluster resource as `clusters.get` shows it in `snapshot` (the last state seen if gone).
    func resource(_ snapshot: Snapshot) -> JSONValue {
        var cluster = sent.objectValue ?? [:]
        cluster["projectId"] = .string(projectId)
        cluster["clusterName"] = .string(clusterName)
        cluster["clusterUuid"] = .string(clusterUuid)
        var config = cluster["config"]?.objectValue ?? [:]
        config["configBucket"] = config["configBucket"] ?? "dataproc-staging-sandbox"
        config["tempBucket"] = config["tempBucket"] ?? "dataproc-temp-sandbox"
        config["masterConfig"] = instanceGroup(config["masterConfig"], defaultCount: 1, role: "m")
        config["workerConfig"] = instanceGroup(config["workerConfig"], defaultCount: 2, role: "w")
        var software = config["softwareConfig"]?.objectValue ?? [:]
        software["imageVersion"] = software["imageVersion"] ?? "2.2.50-debian12"
        config["softwareConfig"] = .object(software)
        config["lifecycleConfig"] = lifecycle.json(over: config["lifecycleConfig"], idleSince: snapshot.idleSince)
        cluster["config"] = .object(config)
        cluster["labels"] = .object(shownLabels.mapValues { .string($0) })
        let timeline = snapshot.timeline
        if let current = timeline.last {
            var status = current.json
            if current.state == "ERROR" { status["detail"] = .string(Self.failureDetail) }
            cluster["status"] = .object(status)
            cluster["statusHistory"] = .array(timeline.dropLast().map { .object($0.json) })
        }
        return .object(cluster)
    }

    /// An instance group with the server's defaults filled in and its instance names.
    private func instanceGroup(_ sent: JSONValue?, defaultCount: Int64, role: String) -> JSONValue {
        var group = sent?.objectValue ?? [:]
        let raw = group["numInstances"]
        let count = raw?.intValue ?? raw?.stringValue.flatMap { Int64($0) } ?? defaultCount
        group["numInstances"] = .int(count)
        group["machineTypeUri"] = group["machineTypeUri"] ?? "n2-standard-4"
        group["isPreemptible"] = false
        let names = role == "m" && count == 1 ? ["\(clusterName)-m"] : (0..<max(count, 0)).map { "\(clusterName)-\(role)-\($0)" }
        group["instanceNames"] = .array(names.map { .string($0) })
        return .object(group)
    }
}
