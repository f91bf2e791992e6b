import Foundation
import GatehouseDataproc

/// What teardown does with the clusters it finds (`clusters.teardown`).
public enum ClusterTeardownMode: String, Sendable, CaseIterable {
    case delete, report
}

/// The `clusters.*` settings, read at start-up. Each value's syntax was checked when the config was
/// loaded; the lifetime's ranges and their order are checked here, so a bad value stops the daemon
/// with a message naming the key instead of failing the first `cluster.create`.
struct ClusterSettings: Sendable {
    var templates: [String: ClusterTemplate]
    var lifetime: ClusterLifetime
    var teardown: ClusterTeardownMode
    /// The daily teardown time, if configured.
    var endOfDay: ClusterEndOfDay?
    var teardownWait: Duration

    init(_ config: Config) throws(ClusterError) {
        typealias Keys = ConfigKeys.Clusters
        templates = try ClusterTemplate.catalog(config[Keys.templates])
        lifetime = try ClusterLifetime(
            idleDelete: config[Keys.idleDeleteTTL], autoDelete: config[Keys.autoDeleteTTL], maxAutoDelete: config[Keys.maxAutoDeleteTTL])
        teardown = config[Keys.teardown]
        endOfDay = config[Keys.endOfDay]
        teardownWait = config[Keys.teardownWait]
    }
}
