/// A verified person: who a request runs as, from a verified ID token. Policy and audit use it.
public struct Principal: Sendable, Codable, Hashable {
    /// The IdP's stable subject id (`sub`).
    public var subject: String
    /// The IdP that vouched for it (`iss`).
    public var issuer: String
    public var email: String?
    public var name: String?
    /// The `groups` claim, as the IdP sent it.
    public var groups: [String]

    /// Describes a principal.
    public init(subject: String, issuer: String, email: String? = nil, name: String? = nil, groups: [String] = []) {
        self.subject = subject
        self.issuer = issuer
        self.email = email
        self.name = name
        self.groups = groups
    }

    /// What audit records and messages show: the email when known, else the subject.
    public var displayName: String { email ?? subject }
}
