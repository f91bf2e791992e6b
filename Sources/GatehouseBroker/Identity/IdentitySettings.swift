import Foundation
import GatehouseCore
import GatehouseIdentity

/// Reads the `identity.*` keys into the service's configuration.
enum IdentitySettings {
    /// The configuration, or nil when no issuer is set (sign-in disabled).
    static func configuration(from config: Config) throws(ConfigError) -> IdentityConfiguration? {
        guard let issuer = config.string("identity.issuer"), !issuer.isEmpty else { return nil }
        var secret: String?
        if let path = config.string("identity.client_secret_file") {
            do {
                secret = try FileReader.text(path, limit: FileReader.secretLimit).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .unreadable(path: path, detail: "identity.client_secret_file: \(error.reason)")
            }
        }
        let fractionText = config.string("identity.refresh_ahead_fraction") ?? "0.67"
        guard let fraction = Double(fractionText), (0.1...0.95).contains(fraction) else {
            throw .badValue(
                key: "identity.refresh_ahead_fraction", value: fractionText, expected: "a number 0.1…0.95",
                source: config.sources["identity.refresh_ahead_fraction"] ?? "default")
        }
        var configuration = IdentityConfiguration(issuer: issuer, clientID: config.string("identity.client_id") ?? "gatehouse", clientSecret: secret)
        let scopes = config.list("identity.scopes")
        if !scopes.isEmpty { configuration.scopes = scopes }
        configuration.workloadIdentityAudience = config.string("identity.workload_identity_audience")
        configuration.stsURL = config.string("identity.sts_url") ?? configuration.stsURL
        configuration.iamCredentialsURL = config.string("identity.iam_credentials_url") ?? configuration.iamCredentialsURL
        configuration.serviceAccount = config.string("identity.service_account")
        let googleScopes = config.list("identity.google_scopes")
        if !googleScopes.isEmpty { configuration.googleScopes = googleScopes }
        configuration.refreshAheadFraction = fraction
        configuration.allowedClockSkew = TimeInterval(config.int("identity.clock_skew_seconds") ?? 60)
        configuration.loginTimeout = TimeInterval(config.int("identity.login_timeout_seconds") ?? 600)
        configuration.allowInsecureHTTP = config.bool("identity.allow_insecure_http") ?? false
        configuration.trustedVerificationHosts = config.list("identity.trusted_verification_hosts")
        return configuration
    }

    /// `GATEHOUSE_KEY`, else `identity.key_fd`, else `identity.key_file`, else `<database>.key`.
    static func keySource(_ config: Config, databasePath: String) throws -> SealingKeySource {
        let source = SealingKeySource.resolve(
            environment: ProcessInfo.processInfo.environment, fileDescriptor: config.int("identity.key_fd").map(Int32.init),
            keyFile: config.string("identity.key_file") ?? databasePath + ".key")
        return try source.pinned()
    }
}
