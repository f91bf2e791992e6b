import GatehouseLooker

extension ConfigKeys {
    /// The `looker` section, owned by the Dashboards feature.
    public enum Looker {
        public static let baseURL = Setting<String?>.url(
            "looker.base_url", "Looker instance URL, e.g. https://looker.example.com:19999 (the API is under /api/4.0); unset: no dashboards")
        public static let clientID = Setting<String?>.text(
            "looker.client_id", "Looker API3 client id the daemon logs in with (names the Looker user in audit records)")
        public static let clientSecretFile = Setting<String?>.path(
            "looker.client_secret_file", "File holding the Looker API3 client secret (never put the secret itself in config)")
        public static let freshTTL = Setting<Int>.integer(
            "looker.fresh_ttl", 0...604_800, default: 300,
            "Seconds a cached dashboard is served without asking Looker; older copies are served stale while one background refresh runs")
        public static let cacheMaxBytes = Setting<Int>.integer(
            "looker.cache_max_bytes", 0...(1 << 40), default: 64 << 20,
            "Most bytes of sealed dashboard data kept in the database; least recently used dashboards are evicted past it")
        public static let embed = Setting<Bool>.flag(
            "looker.embed", default: true, "Allow dashboard.embedUrl (needs Looker credentials that may create SSO embed URLs)")
        public static let embedSessionSeconds = Setting<Int>.integer(
            "looker.embed_session_seconds", 60...86_400, default: 300, "Session length of SSO embed URLs")

        public static let people = Setting<LookerPeopleMode>.choice(
            "looker.people", default: LookerPeopleMode.embed,
            "Whose Looker identity a person's reads run as: embed (their own embed user, external_user_id = IdP subject, attributes from the catalog; Looker applies their access filters) or service (everyone sees the service account's rows)"
        )
        public static let attributeTeams = Setting<String?>.text(
            "looker.attribute_teams", default: LookerAttributeMapping.standard.teams,
            "Looker user attribute that receives the person's catalog team names (comma-separated); empty: not sent")
        public static let attributeEntities = Setting<String?>.text(
            "looker.attribute_entities", default: LookerAttributeMapping.standard.entities,
            "Looker user attribute that receives the entity refs the person's teams own (comma-separated); empty: not sent")
        public static let rotateEvery = Setting<Int>.integer(
            "looker.rotate_every", 0...31_536_000, default: 0,
            "Seconds between rotations of the service account's credentials_api3 pair (new pair, log in, switch, delete the old; kept sealed in the database); 0: never"
        )
        public static let embedModels = Setting<[String]>.list(
            "looker.embed_models", "LookML models every embed user may query (besides those their groups grant)")

        static let all = [
            baseURL.key, clientID.key, clientSecretFile.key, freshTTL.key, cacheMaxBytes.key, embed.key, embedSessionSeconds.key, people.key,
            attributeTeams.key, attributeEntities.key, rotateEvery.key, embedModels.key,
        ]
    }
}

/// Whose Looker identity a person's dashboard reads run as (`looker.people`).
public enum LookerPeopleMode: String, Sendable, CaseIterable {
    /// Each person's own embed user: Looker applies their access filters.
    case embed
    /// The daemon's service account for everyone.
    case service
}
