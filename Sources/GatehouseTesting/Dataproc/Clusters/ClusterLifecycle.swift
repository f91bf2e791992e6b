import Foundation
import GatehouseCore

/// The parts of `LifecycleConfig` the sandbox honours: idle and scheduled deletion.
///
/// `autoDeleteTtl` counts from the cluster's creation (the API reference's example: "1d" deletes
/// the cluster one day after its creation) and is exclusive with `autoDeleteTime` (a proto oneof).
/// The stop fields are accepted as the schema allows and echoed, but the sandbox never stops a cluster.
struct ClusterLifecycle: Sendable, Equatable {
    var idleDeleteTtl: TimeInterval?
    var autoDeleteTtl: TimeInterval?
    var autoDeleteTime: Date?

    /// The documented bounds of the two durations.
    static let idleDeleteRange: ClosedRange<TimeInterval> = 300...1_209_600
    static let autoDeleteRange: ClosedRange<TimeInterval> = 600...1_209_600

    init(idleDeleteTtl: TimeInterval? = nil, autoDeleteTtl: TimeInterval? = nil, autoDeleteTime: Date? = nil) {
        self.idleDeleteTtl = idleDeleteTtl
        self.autoDeleteTtl = autoDeleteTtl
        self.autoDeleteTime = autoDeleteTime
    }

    /// Reads and checks `config.lifecycleConfig` of a request.
    init(_ value: JSONValue?, now: Date) throws(SandboxHTTPError) {
        idleDeleteTtl = try Self.duration(value?["idleDeleteTtl"], field: "idleDeleteTtl")
        autoDeleteTtl = try Self.duration(value?["autoDeleteTtl"], field: "autoDeleteTtl")
        if let text = value?["autoDeleteTime"]?.stringValue {
            guard let date = GoogleTime.date(from: text) else {
                throw .badRequest("Invalid lifecycleConfig.autoDeleteTime '\(text)': use an RFC 3339 timestamp such as 2026-01-01T18:00:00Z.")
            }
            autoDeleteTime = date
        }
        try check(now: now)
    }

    /// Throws a 400 when a duration is out of its documented range, the time is not in the
    /// future, or both auto-delete forms are set.
    func check(now: Date) throws(SandboxHTTPError) {
        if autoDeleteTtl != nil && autoDeleteTime != nil {
            throw .badRequest("lifecycleConfig.autoDeleteTtl and lifecycleConfig.autoDeleteTime are mutually exclusive: set one of them.")
        }
        if let idleDeleteTtl, !Self.idleDeleteRange.contains(idleDeleteTtl) {
            throw .badRequest(
                "Invalid lifecycleConfig.idleDeleteTtl \(GoogleTime.duration(idleDeleteTtl)): it must be between 5 minutes and 14 days.")
        }
        if let autoDeleteTtl, !Self.autoDeleteRange.contains(autoDeleteTtl) {
            throw .badRequest(
                "Invalid lifecycleConfig.autoDeleteTtl \(GoogleTime.duration(autoDeleteTtl)): it must be between 10 minutes and 14 days.")
        }
        if let autoDeleteTime, autoDeleteTime <= now {
            throw .badRequest("Invalid lifecycleConfig.autoDeleteTime \(GoogleTime.timestamp(autoDeleteTime)): it must be in the future.")
        }
    }

    private static func duration(_ value: JSONValue?, field: String) throws(SandboxHTTPError) -> TimeInterval? {
        guard let value else { return nil }
        guard let text = value.stringValue, let seconds = GoogleTime.seconds(fromDuration: text) else {
            throw .badRequest("Invalid lifecycleConfig.\(field) \(value.canonicalString): use a duration in seconds such as \"3600s\".")
        }
        return seconds
    }

    /// When the cluster is deleted on schedule, if it is.
    func autoDeleteAt(createdAt: Date) -> Date? {
        autoDeleteTime ?? autoDeleteTtl.map { createdAt.addingTimeInterval($0) }
    }

    /// `lifecycleConfig` as the Cluster resource shows it, over what the client sent. Only the
    /// auto-delete form that was set appears: a oneof never carries both.
    func json(over sent: JSONValue?, idleSince: Date?) -> JSONValue {
        var members = sent?.objectValue ?? [:]
        members["idleDeleteTtl"] = idleDeleteTtl.map { .string(GoogleTime.duration($0)) }
        members["autoDeleteTtl"] = autoDeleteTtl.map { .string(GoogleTime.duration($0)) }
        members["autoDeleteTime"] = autoDeleteTime.map { .string(GoogleTime.timestamp($0)) }
        members["idleStartTime"] = idleSince.map { .string(GoogleTime.timestamp($0)) }
        return .object(members)
    }
}
