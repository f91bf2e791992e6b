extension ConfigKeys {
    /// Keys of the `identity` section, owned by the Identity module.
    static let identity: [ConfigKey] = [
        ConfigKey("identity.issuer", .url, default: nil, "OIDC issuer URL; discovery is read from <issuer>/.well-known/openid-configuration (unset: sign-in disabled)"),
        ConfigKey("identity.client_id", .string, default: "gatehouse", "OAuth client id registered at the IdP; ID tokens must name it in aud"),
        ConfigKey("identity.client_secret_file", .path, default: nil, "File holding the client secret, for confidential clients (public PKCE clients need none)"),
        ConfigKey("identity.scopes", .stringList, default: "openid,email,profile,offline_access", "Scopes requested at sign-in (add groups if the IdP needs it for the groups claim)"),
        ConfigKey("identity.workload_identity_audience", .string, default: nil, "Workload identity provider resource sent to STS as audience (//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X)"),
        ConfigKey("identity.sts_url", .url, default: "https://sts.googleapis.com/v1/token", "Google STS token endpoint (RFC 8693 exchange)"),
        ConfigKey("identity.iam_credentials_url", .url, default: "https://iamcredentials.googleapis.com", "IAM Credentials API root, for service-account impersonation"),
        ConfigKey("identity.service_account", .string, default: nil, "Service account to impersonate after the STS exchange (unset: use the federated token)"),
        ConfigKey("identity.google_scopes", .stringList, default: "https://www.googleapis.com/auth/cloud-platform", "Scopes of Google access tokens when token.get names none"),
        ConfigKey("identity.refresh_ahead_fraction", .string, default: "0.67", "Refresh a token once this fraction of its lifetime has passed (0.1-0.95, minus up to 0.05 jitter)"),
        ConfigKey("identity.clock_skew_seconds", .int(0...600), default: "60", "Clock skew tolerated on ID-token exp, nbf and iat"),
        ConfigKey("identity.login_timeout_seconds", .int(30...3600), default: "600", "How long a sign-in waits for the browser or the device approval"),
        ConfigKey("identity.key_file", .path, default: nil, "Sealing key file (default: <database>.key, created 0600); GATEHOUSE_KEY (base64) overrides it"),
        ConfigKey("identity.allow_insecure_http", .bool, default: "false", "Accept plain-http issuers and IdP endpoints on non-loopback hosts. Tests only: anyone on the network path could sign in as anyone (logged loudly at start)"),
        ConfigKey("identity.trusted_verification_hosts", .stringList, default: nil, "Hosts besides the issuer's whose device-flow verification page is shown without a warning"),
        ConfigKey("identity.key_fd", .int(0...65_535), default: nil, "Inherited file descriptor to read the 32-byte sealing key from (managed hosts)"),
    ]
}
