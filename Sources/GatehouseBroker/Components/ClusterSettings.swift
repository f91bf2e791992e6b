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
    /// Minutes after local midnight of the daily teardown, if configured.
    var endOfDay: Int?
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
            guard let minutes = Self.minutes(text) else {
                throw .invalidSetting("clusters.end_of_day is \"\(text)\"; expected a local time HH:MM such as 19:00")
            }
            return minutes
        }
        teardownWait = .seconds(config.int("clusters.teardown_wait_seconds") ?? 20)
    }

    /// `HH:MM` as minutes after midnight.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes) else { return nil }
        return hours * 60 + minutes
    }

    /// The next time after `now` that local time reads `minutes` after midnight.
    static func next(_ minutes: Int, after now: Date, calendar: Calendar = .current) -> Date {
        let components = DateComponents(hour: minutes / 60, minute: minutes % 60, second: 0)
        return calendar.nextDate(after: now, matching: components, matchingPolicy: .nextTime) ?? now.addingTimeInterval(86_400)
    }
}
