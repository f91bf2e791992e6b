import Foundation

/// How long Gatehouse lets a cluster live: every cluster gets an `autoDeleteTtl` (so nothing lives
/// forever, even when it is never idle) and an `idleDeleteTtl`, within a configured maximum.
public struct ClusterLifetime: Sendable, Equatable {
    /// Dataproc's documented ranges (`LifecycleConfig`): idle 5 minutes to 14 days, auto-delete 10 minutes to 14 days.
    public static let idleRange = 300...1_209_600
    public static let autoDeleteRange = 600...1_209_600

    /// Idle deletion when the caller does not ask for another (seconds).
    public var idleDelete: Int
    /// Scheduled deletion, counted from creation, when the caller does not ask for another (seconds).
    public var autoDelete: Int
    /// The longest scheduled deletion a caller may ask for, extensions included (seconds).
    public var maxAutoDelete: Int

    /// A lifetime policy; throws when the defaults break the maximum or Dataproc's ranges.
    public init(idleDelete: Int, autoDelete: Int, maxAutoDelete: Int) throws(ClusterError) {
        guard Self.autoDeleteRange.contains(maxAutoDelete) else {
            throw .invalidSetting("clusters.max_auto_delete_ttl must be between 10m and 14d, not \(ClusterDuration.describe(maxAutoDelete))")
        }
        guard Self.autoDeleteRange.contains(autoDelete), autoDelete <= maxAutoDelete else {
            throw .invalidSetting(
                "clusters.auto_delete_ttl must be between 10m and clusters.max_auto_delete_ttl (\(ClusterDuration.describe(maxAutoDelete))), not \(ClusterDuration.describe(autoDelete))"
            )
        }
        guard Self.idleRange.contains(idleDelete) else {
            throw .invalidSetting("clusters.idle_delete_ttl must be between 5m and 14d, not \(ClusterDuration.describe(idleDelete))")
        }
        self.idleDelete = idleDelete
        self.autoDelete = autoDelete
        self.maxAutoDelete = maxAutoDelete
    }

    /// The problems of a caller's requested TTLs (seconds); empty when both fit.
    public func problems(idleDelete: Int?, autoDelete: Int?) -> [String] {
        var found: [String] = []
        if let idleDelete, !Self.idleRange.contains(idleDelete) {
            found.append("config.lifecycleConfig.idleDeleteTtl must be between 5m and 14d, not \(ClusterDuration.describe(idleDelete))")
        }
        if let autoDelete {
            if autoDelete > maxAutoDelete {
                found.append(
                    "config.lifecycleConfig.autoDeleteTtl \(ClusterDuration.describe(autoDelete)) is above the maximum of \(ClusterDuration.describe(maxAutoDelete)) (clusters.max_auto_delete_ttl)"
                )
            } else if autoDelete < Self.autoDeleteRange.lowerBound {
                found.append("config.lifecycleConfig.autoDeleteTtl must be at least 10m, not \(ClusterDuration.describe(autoDelete))")
            }
        }
        return found
    }

    /// The new `autoDeleteTtl` after extending `current` by `by` seconds; throws when it passes the maximum.
    public func extended(_ current: Int, by: Int) throws(ClusterError) -> Int {
        guard by > 0 else { throw .invalidRequest("extend by a positive duration, e.g. 2h") }
        let total = current + by
        guard total <= maxAutoDelete else {
            let room = max(0, maxAutoDelete - current)
            throw .limit(
                "extending by \(ClusterDuration.describe(by)) would make the cluster's auto-delete \(ClusterDuration.describe(total)) after creation, above the maximum of \(ClusterDuration.describe(maxAutoDelete)) (clusters.max_auto_delete_ttl); it can be extended by at most \(ClusterDuration.describe(room))"
            )
        }
        return total
    }
}
