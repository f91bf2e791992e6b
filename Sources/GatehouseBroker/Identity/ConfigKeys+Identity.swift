import GatehouseIdentity

extension ConfigKeys {
    /// The `identity` section, owned by the Identity feature.
    public enum Identity {
        /// The identity service's own defaults are the keys' defaults.
        private static let standard = IdentityConfiguration(issuer: "", clientID: "gatehouse")

        public static let issuer = Setting<String?>.url(
            "identity.issuer", "OIDC issuer URL; discovery is read from <issuer>/.well-known/openid-configuration (unset: sign-in disabled)")
        public static let clientID = Setting<String>.text(
            "identity.client_id", default: standard.clientID, "OAuth client id registered at the IdP; ID tokens must name it in aud")
        public static let clientSecretFile = Setting<String?>.path(
            "identity.client_secret_file", "File holding the client secret, for confidential clients (public PKCE clients need none)")
        public static let scopes = Setting<[String]>.list(
            "identity.scopes", default: standard.scopes, "Scopes requested at sign-in (add groups if the IdP needs it for the groups claim)")
        public static let workloadIdentityAudience = Setting<String?>.text(
            "identity.workload_identity_audience",
            "Workload identity provider resource sent to STS as audience (//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X)"
        )
        public static let stsURL = Setting<String>.url(
            "identity.sts_url", default: standard.stsURL, "Google STS token endpoint (RFC 8693 exchange)")
        public static let iamCredentialsURL = Setting<String>.url(
            "identity.iam_credentials_url", default: standard.iamCredentialsURL, "IAM Credentials API root, for service-account impersonation")
        public static let serviceAccount = Setting<String?>.text(
            "identity.service_account", "Service account to impersonate after the STS exchange (unset: use the federated token)")
        public static let googleScopes = Setting<[String]>.list(
            "identity.google_scopes", default: standard.googleScopes, "Scopes of Google access tokens when token.get names none")
        public static let refreshAheadFraction = Setting<Double>.number(
            "identity.refresh_ahead_fraction", 0.1...0.95, default: standard.refreshAheadFraction,
            "Refresh a token once this fraction of its lifetime has passed (0.1-0.95, minus up to 0.05 jitter)")
        public static let clockSkewSeconds = Setting<Int>.integer(
            "identity.clock_skew_seconds", 0...600, default: Int(standard.allowedClockSkew), "Clock skew tolerated on ID-token exp, nbf and iat")
        public static let loginTimeoutSeconds = Setting<Int>.integer(
            "identity.login_timeout_seconds", 30...3600, default: Int(standard.loginTimeout),
            "How long a sign-in waits for the browser or the device approval")
        public static let keyFile = Setting<String?>.path(
            "identity.key_file", "Sealing key file (default: <database>.key, created 0600); GATEHOUSE_KEY (base64) overrides it")
        public static let allowInsecureHTTP = Setting<Bool>.flag(
            "identity.allow_insecure_http", default: standard.allowInsecureHTTP,
            "Accept plain-http issuers and IdP endpoints on non-loopback hosts. Tests only: anyone on the network path could sign in as anyone (logged loudly at start)"
        )
        public static let trustedVerificationHosts = Setting<[String]>.list(
            "identity.trusted_verification_hosts", "Hosts besides the issuer's whose device-flow verification page is shown without a warning")
        public static let keyFD = Setting<Int?>.optionalInteger(
            "identity.key_fd", 0...65_535, "Inherited file descriptor to read the 32-byte sealing key from (managed hosts)")

        static let all = [
            issuer.key, clientID.key, clientSecretFile.key, scopes.key, workloadIdentityAudience.key, stsURL.key, iamCredentialsURL.key,
            serviceAccount.key, googleScopes.key, refreshAheadFraction.key, clockSkewSeconds.key, loginTimeoutSeconds.key, keyFile.key,
            allowInsecureHTTP.key, trustedVerificationHosts.key, keyFD.key,
        ]
    }
}
