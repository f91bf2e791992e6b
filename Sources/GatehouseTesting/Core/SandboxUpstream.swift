/// One of the services the sandbox stands in for; each listens on its own loopback port.
public enum SandboxUpstream: String, Sendable, Codable, CaseIterable, Hashable {
    /// Backstage catalog (`/api/catalog`).
    case backstage
    /// Looker API 4.0 (`/api/4.0`).
    case looker
    /// Google Cloud Dataproc v1 (`/v1/projects/...`).
    case dataproc
    /// Google Security Token Service (`/v1/token`).
    case sts
    /// Google IAM Credentials (`/v1/projects/-/serviceAccounts/...`).
    case iamcredentials
    /// The OIDC identity provider.
    case oidc
    /// The sandbox's own admin API (never faulted).
    case admin
    /// Google Cloud Storage JSON API subset (`/storage/v1/b/...`): Dataproc's driver output.
    /// Last, so a `portBase` keeps every earlier upstream's port.
    case storage

    /// The upstreams that fault injection applies to.
    public static var faultable: [SandboxUpstream] { allCases.filter { $0 != .admin } }
}
