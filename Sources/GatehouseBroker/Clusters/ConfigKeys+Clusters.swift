extension ConfigKeys {
    /// Keys of the `clusters` section, owned by the Dataproc clusters work.
    static let clusters: [ConfigKey] = [
        ConfigKey("clusters.templates", .stringList, default: "",
            "Cluster templates as `NAME: field=value ...` with fields workers, machine, master_machine, worker_machine, image (a `default` of 2 × n2-standard-4, image 2.2-debian12 is built in; a line named default replaces it)"),
        ConfigKey("clusters.idle_delete_ttl", .string, default: "1h",
            "lifecycleConfig.idleDeleteTtl of a new cluster when the caller gives none (5m…14d; e.g. 30m, 2h)"),
        ConfigKey("clusters.auto_delete_ttl", .string, default: "8h",
            "lifecycleConfig.autoDeleteTtl (after creation) of a new cluster when the caller gives none; every cluster gets one, so nothing lives forever"),
        ConfigKey("clusters.max_auto_delete_ttl", .string, default: "24h",
            "The longest autoDeleteTtl a create or `cluster extend` may set (10m…14d)"),
        ConfigKey("clusters.teardown", .choice(["delete", "report"]), default: "delete",
            "On logout, end of day or lost ownership: delete the principal's clusters, or only report them (audited either way)"),
        ConfigKey("clusters.end_of_day", .string, default: nil,
            "Local time HH:MM at which the signed-in person's clusters are torn down each day (unset: never)"),
        ConfigKey("clusters.teardown_wait_seconds", .int(0...300), default: "20",
            "On logout, how long to wait for the deletes to reach Dataproc before the tokens are forgotten"),
    ]
}
