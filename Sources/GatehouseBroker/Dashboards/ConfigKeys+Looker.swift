extension ConfigKeys {
    /// Keys of the `looker` section, owned by the Looker module.
    static let looker: [ConfigKey] = [
        ConfigKey("looker.base_url", .url, default: nil, "Looker instance URL, e.g. https://looker.example.com:19999 (the API is under /api/4.0); unset: no dashboards"),
        ConfigKey("looker.client_id", .string, default: nil, "Looker API3 client id the daemon logs in with (names the Looker user in audit records)"),
        ConfigKey("looker.client_secret_file", .path, default: nil, "File holding the Looker API3 client secret (never put the secret itself in config)"),
        ConfigKey("looker.fresh_ttl", .int(0...604_800), default: "300", "Seconds a cached dashboard is served without asking Looker; older copies are served stale while one background refresh runs"),
        ConfigKey("looker.cache_max_bytes", .int(0...(1 << 40)), default: "67108864", "Most bytes of sealed dashboard data kept in the database; least recently used dashboards are evicted past it"),
        ConfigKey("looker.embed", .bool, default: "true", "Allow dashboard.embedUrl (needs Looker credentials that may create SSO embed URLs)"),
        ConfigKey("looker.embed_session_seconds", .int(60...86_400), default: "300", "Session length of SSO embed URLs"),
        ConfigKey("looker.people", .choice(["embed", "service"]), default: "embed", "Whose Looker identity a person's reads run as: embed (their own embed user, external_user_id = IdP subject, attributes from the catalog; Looker applies their access filters) or service (everyone sees the service account's rows)"),
        ConfigKey("looker.attribute_teams", .string, default: "gatehouse_teams", "Looker user attribute that receives the person's catalog team names (comma-separated); empty: not sent"),
        ConfigKey("looker.attribute_entities", .string, default: "gatehouse_entities", "Looker user attribute that receives the entity refs the person's teams own (comma-separated); empty: not sent"),
        ConfigKey("looker.rotate_every", .int(0...31_536_000), default: "0", "Seconds between rotations of the service account's credentials_api3 pair (new pair, log in, switch, delete the old; kept sealed in the database); 0: never"),
        ConfigKey("looker.embed_models", .stringList, default: "", "LookML models every embed user may query (besides those their groups grant)"),
    ]
}
