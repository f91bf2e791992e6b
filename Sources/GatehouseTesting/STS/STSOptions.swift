import Foundation

/// How the sandbox STS and IAM Credentials behave.
public struct STSOptions: Sendable {
    /// Seconds an exchanged (federated) token lives.
    public var accessTokenLifetime: TimeInterval
    /// Longest `lifetime` `generateAccessToken` grants (Google's default maximum is one hour).
    public var maxServiceAccountTokenLifetime: TimeInterval
    /// Seconds a fetched JWKS is reused before it is fetched again (on the sandbox clock).
    public var jwksCacheLifetime: TimeInterval
    /// Clock skew tolerated for `iat` and `nbf` of subject tokens.
    public var allowedClockSkew: TimeInterval
    /// Who may impersonate which service account.
    public var impersonation: [ServiceAccountImpersonation]

    /// Options with the sandbox defaults; every field can be given.
    public init(
        accessTokenLifetime: TimeInterval = 3600,
        maxServiceAccountTokenLifetime: TimeInterval = 3600,
        jwksCacheLifetime: TimeInterval = 300,
        allowedClockSkew: TimeInterval = 60,
        impersonation: [ServiceAccountImpersonation] = []
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.maxServiceAccountTokenLifetime = maxServiceAccountTokenLifetime
        self.jwksCacheLifetime = jwksCacheLifetime
        self.allowedClockSkew = allowedClockSkew
        self.impersonation = impersonation
    }
}

/// A `roles/iam.workloadIdentityUser`-style binding: these subjects and groups may mint tokens
/// for this service account.
public struct ServiceAccountImpersonation: Sendable, Codable, Equatable {
    /// The service account email, e.g. `dataproc-runner@project.iam.gserviceaccount.com`.
    public var serviceAccount: String
    /// Subjects (`sub` of the original ID token) allowed to impersonate it.
    public var subjects: [String]
    /// Groups (from the ID token's `groups` claim) whose members may impersonate it.
    public var groups: [String]

    /// A binding with every field given.
    public init(serviceAccount: String, subjects: [String] = [], groups: [String] = []) {
        self.serviceAccount = serviceAccount
        self.subjects = subjects
        self.groups = groups
    }

    /// True when a caller with `subject` and `groups` is bound.
    func allows(subject: String, groups callerGroups: [String]) -> Bool {
        subjects.contains(subject) || !Set(groups).isDisjoint(with: callerGroups)
    }
}
