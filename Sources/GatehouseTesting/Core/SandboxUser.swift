/// A person the sandbox upstreams know: the OIDC provider signs them in, Backstage lists them,
/// and Looker maps them to a Looker user id for per-user dashboard visibility.
public struct SandboxUser: Codable, Sendable, Hashable {
    /// Stable OIDC `sub` claim.
    public var subject: String
    /// Email address (OIDC `email`, Google principal).
    public var email: String
    /// Display name.
    public var name: String
    /// Group names the user belongs to (OIDC `groups` claim).
    public var groups: [String]
    /// The Looker user this person maps to, if any.
    public var lookerUserId: String?

    /// A user with every field given.
    public init(subject: String, email: String, name: String, groups: [String] = [], lookerUserId: String? = nil) {
        self.subject = subject
        self.email = email
        self.name = name
        self.groups = groups
        self.lookerUserId = lookerUserId
    }
}

extension SandboxUser {
    /// The demo users that match the demo org in the sandbox's extra Backstage fixture.
    public static let demoUsers: [SandboxUser] = [
        SandboxUser(subject: "alice", email: "alice@example.com", name: "Alice", groups: ["team-a"], lookerUserId: "101"),
        SandboxUser(subject: "bob", email: "bob@example.com", name: "Bob", groups: ["team-b"], lookerUserId: "102"),
    ]
}
