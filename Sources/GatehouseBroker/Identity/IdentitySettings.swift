import Foundation
import GatehouseCore
import GatehouseIdentity

/// Reads the `identity.*` settings into the service's configuration.
enum IdentitySettings {
    typealias Keys = ConfigKeys.Identity

    /// The configuration, or nil when no issuer is set (sign-in disabled).
    static func configuration(from config: Config) throws(ConfigError) -> IdentityConfiguration? {
        guard let issuer = config[Keys.issuer] else { return nil }
        var secret: String?
        if let path = config[Keys.clientSecretFile] {
            do {
                secret = try FileReader.text(path, limit: FileReader.secretLimit).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .unreadable(path: path, detail: "\(Keys.clientSecretFile.key.path): \(error.reason)")
            }
        }
        return IdentityConfiguration(
            issuer: issuer, clientID: config[Keys.clientID], clientSecret: secret, scopes: config[Keys.scopes],
            workloadIdentityAudience: config[Keys.workloadIdentityAudience], stsURL: config[Keys.stsURL],
            iamCredentialsURL: config[Keys.iamCredentialsURL], serviceAccount: config[Keys.serviceAccount],
            googleScopes: config[Keys.googleScopes], refreshAheadFraction: config[Keys.refreshAheadFraction],
            allowedClockSkew: TimeInterval(config[Keys.clockSkewSeconds]), loginTimeout: TimeInterval(config[Keys.loginTimeoutSeconds]),
            allowInsecureHTTP: config[Keys.allowInsecureHTTP], trustedVerificationHosts: config[Keys.trustedVerificationHosts])
    }

    /// `GATEHOUSE_KEY`, else `identity.key_fd`, else `identity.key_file`, else `<database>.key`.
    static func keySource(_ config: Config, databasePath: String) throws -> SealingKeySource {
        let source = SealingKeySource.resolve(
            environment: ProcessInfo.processInfo.environment, fileDescriptor: config[Keys.keyFD].map(Int32.init),
            keyFile: config[Keys.keyFile] ?? databasePath + ".key")
        return try source.pinned()
    }
}
