import GatehouseDataproc

extension ConfigKeys {
    /// The `clusters` section, owned by the Clusters feature.
    public enum Clusters {
        /// The syntax of the TTL keys, for messages and docs.
        private static let durationSyntax = "a duration such as 30m, 2h or 1d"

        public static let templates = Setting<[String]>.list(
            "clusters.templates",
            "Cluster templates as `NAME: field=value ...` with fields workers, machine, master_machine, worker_machine, image (a `default` of 2 × n2-standard-4, image 2.2-debian12 is built in; a line named default replaces it)"
        )
        public static let idleDeleteTTL = Setting<Int>.parsed(
            "clusters.idle_delete_ttl", durationSyntax, default: "1h",
            "lifecycleConfig.idleDeleteTtl of a new cluster when the caller gives none (5m…14d; e.g. 30m, 2h)", parse: ClusterDuration.seconds)
        public static let autoDeleteTTL = Setting<Int>.parsed(
            "clusters.auto_delete_ttl", durationSyntax, default: "8h",
            "lifecycleConfig.autoDeleteTtl (after creation) of a new cluster when the caller gives none; every cluster gets one, so nothing lives forever",
            parse: ClusterDuration.seconds)
        public static let maxAutoDeleteTTL = Setting<Int>.parsed(
            "clusters.max_auto_delete_ttl", durationSyntax, default: "24h",
            "The longest autoDeleteTtl a create or `cluster extend` may set (10m…14d)", parse: ClusterDuration.seconds)
        public static let teardown = Setting<ClusterTeardownMode>.choice(
            "clusters.teardown", default: ClusterTeardownMode.delete,
            "On logout, end of day or lost ownership: delete the principal's clusters, or only report them (audited either way)")
        public static let endOfDay = Setting<ClusterEndOfDay?>.optionallyParsed(
            "clusters.end_of_day", "a local time HH:MM such as 19:00",
            "Local time HH:MM at which the signed-in person's clusters are torn down each day (unset: never)", parse: ClusterEndOfDay.init)
        public static let teardownWait = Setting<Duration>.seconds(
            "clusters.teardown_wait_seconds", 0...300, default: 20,
            "On logout, how long to wait for the deletes to reach Dataproc before the tokens are forgotten")

        static let all = [templates.key, idleDeleteTTL.key, autoDeleteTTL.key, maxAutoDeleteTTL.key, teardown.key, endOfDay.key, teardownWait.key]
    }
}
