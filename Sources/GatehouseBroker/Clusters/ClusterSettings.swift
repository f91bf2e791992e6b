import Foundation
import GatehouseDataproc

/// The `clusters.*` keys, parsed and checked once at start-up, so a bad value stops the daemon with
/// a message naming the key instead of failing the first `cluster.create`.
struct ClusterSettings: Sendable {
    /// What teardown does with the clusters it finds.
    enum TeardownMode: String, Sendable {
        case delete, report
    }

    var templates: [String: ClusterTemplate]
    var lifetime: ClusterLifetime
    var teardown: TeardownMode
    /// The daily teardown time, if configured.
    var endOfDay: ClusterEndOfDay?
    var teardownWait: Duration

    init(_ config: Config) throws(ClusterError) {
        templates = try ClusterTemplate.catalog(config.list("clusters.templates"))
        func seconds(_ key: String, _ fallback: String) throws(ClusterError) -> Int {
            let text = config.string(key) ?? fallback
            guard let value = ClusterDuration.seconds(text) else {
                throw .invalidSetting("\(key) is \"\(text)\"; expected a duration such as 30m, 2h or 1d")
            }
            return value
        }
        lifetime = try ClusterLifetime(
            idleDelete: try seconds("clusters.idle_delete_ttl", "1h"), autoDelete: try seconds("clusters.auto_delete_ttl", "8h"),
            maxAutoDelete: try seconds("clusters.max_auto_delete_ttl", "24h"))
        teardown = TeardownMode(rawValue: config.string("clusters.teardown") ?? "delete") ?? .delete
        endOfDay = try config.string("clusters.end_of_day").map { text throws(ClusterError) in
            guard let time = ClusterEndOfDay(text) else {
                throw .invalidSetting("clusters.end_of_day is \"\(text)\"; expected a local time HH:MM such as 19:00")
            }
            return time
        }
        teardownWait = .seconds(config.int("clusters.teardown_wait_seconds") ?? 20)
    }
}
