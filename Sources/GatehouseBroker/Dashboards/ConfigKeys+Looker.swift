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
    ]
}
