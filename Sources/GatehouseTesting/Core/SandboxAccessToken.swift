import Foundation

/// An access token one sandbox upstream issued (STS, IAM Credentials) and another checks (Dataproc).
public struct SandboxAccessToken: Sendable, Hashable {
    /// The opaque token text sent as `Authorization: Bearer <token>`.
    public var token: String
    /// Subject the token was issued for.
    public var subject: String
    /// Email of the subject (or of the impersonated service account).
    public var email: String
    /// OAuth scopes granted.
    public var scopes: [String]
    /// When the token stops being accepted (on the sandbox clock).
    public var expiresAt: Date
    /// The impersonated service account, for tokens from `generateAccessToken`.
    public var serviceAccount: String?

    /// A token with every field given.
    public init(token: String, subject: String, email: String, scopes: [String], expiresAt: Date, serviceAccount: String? = nil) {
        self.token = token
        self.subject = subject
        self.email = email
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.serviceAccount = serviceAccount
    }

    /// The Google scope Dataproc requires.
    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    /// The IAM scope: enough to call IAM Credentials, as google-auth asks STS for before impersonating.
    public static let iamScope = "https://www.googleapis.com/auth/iam"

    /// True while `now` is before `expiresAt`.
    public func isValid(at now: Date) -> Bool { now < expiresAt }

    /// True when the token is unexpired at `now` and carries `scope`.
    public func grants(_ scope: String, at now: Date) -> Bool { isValid(at: now) && scopes.contains(scope) }
}
