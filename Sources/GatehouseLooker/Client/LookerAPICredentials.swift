import Foundation
import GatehouseCore

/// A Looker API3 client id and secret. The secret stays out of every description.
public struct LookerAPICredentials: Sendable, CustomStringConvertible {
    /// The API client id (not secret: it names the Looker user in audit records).
    public let clientID: String
    let clientSecret: String

    /// Credentials from values (tests, the sandbox).
    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// Credentials whose secret is read from `secretFile` (the first line, trimmed), so it never sits in config.
    public static func load(clientID: String, secretFile: String) throws(LookerError) -> LookerAPICredentials {
        let secret: String
        do {
            secret = try FileReader.text(secretFile, limit: FileReader.secretLimit).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .secretUnreadable(path: secretFile, detail: error.reason)
        }
        guard !secret.isEmpty else { throw .secretUnreadable(path: secretFile, detail: "the file is empty") }
        return LookerAPICredentials(clientID: clientID, clientSecret: secret)
    }

    /// How audit records name the Looker identity these credentials act as.
    public var lookerUser: String { "looker:\(clientID)" }

    public var description: String { "LookerAPICredentials(clientID: \(clientID), clientSecret: <redacted>)" }
}
