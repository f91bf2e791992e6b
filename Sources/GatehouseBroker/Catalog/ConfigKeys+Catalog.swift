extension ConfigKeys {
    /// The `catalog` section, owned by the Catalog feature.
    public enum Catalog {
        public static let baseURL = Setting<String?>.url(
            "catalog.base_url", "Backstage backend URL, e.g. http://localhost:7007 (the API is under /api/catalog); unset: no sync")
        public static let tokenFile = Setting<String?>.path(
            "catalog.token_file", "File holding a Backstage token sent as Bearer (unset: anonymous requests)")
        public static let syncIntervalSeconds = Setting<Int>.integer(
            "catalog.sync_interval_seconds", 0...604_800, default: 900,
            "Background full sync every N seconds; 0 syncs only on `gatehouse catalog sync`")
        public static let pageSize = Setting<Int>.integer(
            "catalog.page_size", 1...5000, default: 500, "Entities per Backstage by-query page during a sync")

        static let all = [baseURL.key, tokenFile.key, syncIntervalSeconds.key, pageSize.key] + Policy.all
    }

    /// The `policy` section, owned by the Policy feature.
    public enum Policy {
        public static let maxSnapshotAgeSeconds = Setting<Int>.integer(
            "policy.max_snapshot_age_seconds", 0...31_536_000, default: 86_400,
            "Sensitive actions (job.submit, job.cancel, cluster.*) are denied when the catalog snapshot is older; 0 disables the check")
        public static let rulesFile = Setting<String?>.path(
            "policy.rules_file",
            "YAML file of policy rules ({rules: [{name, effect, actions, groups, kinds, lifecycles, labels, annotations, entities, owners}]})")

        static let all = [maxSnapshotAgeSeconds.key, rulesFile.key]
    }
}
