extension ConfigKeys {
    /// Keys of the `catalog` and `policy` sections, owned by the Catalog and Policy modules.
    static let catalog: [ConfigKey] = [
        ConfigKey("catalog.base_url", .url, default: nil, "Backstage backend URL, e.g. http://localhost:7007 (the API is under /api/catalog); unset: no sync"),
        ConfigKey("catalog.token_file", .path, default: nil, "File holding a Backstage token sent as Bearer (unset: anonymous requests)"),
        ConfigKey("catalog.sync_interval_seconds", .int(0...604_800), default: "900", "Background full sync every N seconds; 0 syncs only on `gatehouse catalog sync`"),
        ConfigKey("catalog.page_size", .int(1...5000), default: "500", "Entities per Backstage by-query page during a sync"),
        ConfigKey("policy.max_snapshot_age_seconds", .int(0...31_536_000), default: "86400", "Sensitive actions (job.submit, job.cancel, cluster.*) are denied when the catalog snapshot is older; 0 disables the check"),
        ConfigKey("policy.rules_file", .path, default: nil, "YAML file of policy rules ({rules: [{name, effect, actions, groups, kinds, lifecycles, labels, annotations, entities, owners}]})"),
    ]
}
