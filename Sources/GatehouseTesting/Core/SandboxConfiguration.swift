import Foundation
import GatehouseCore

/// How a `Sandbox` starts: addresses, clock, data and initial faults.
public struct SandboxConfiguration: Sendable {
    /// Loopback address every listener binds.
    public var host: String = "127.0.0.1"
    /// First port; upstreams take `portBase + offset` in `SandboxUpstream.allCases` order. nil: ephemeral ports.
    public var portBase: Int?
    /// Real or manual time.
    public var clockMode: SandboxClock.Mode = .real
    /// Directory of the published specs for strict request checks (see `SandboxFixtures.locate`); nil: `$GATEHOUSE_SANDBOX_FIXTURES`, else none.
    public var fixturesDirectory: String?
    /// Serve the demo organisation (`DemoWorld`) in the Backstage catalog.
    public var includeExamples: Bool = true
    /// Number of synthetic Backstage entities to add.
    public var syntheticEntities: Int = 0
    /// Depth of the synthetic group hierarchy.
    public var syntheticGroupDepth: Int = 8
    /// Token every Backstage request must carry as Bearer; nil accepts anonymous requests.
    public var backstageToken: String?
    /// Users the OIDC provider signs in and Looker knows.
    public var users: [SandboxUser] = SandboxUser.demoUsers
    /// Seconds the IdP's ID and access tokens and the STS's tokens live; nil: each one's default (5 minutes, an hour).
    public var tokenLifetime: TimeInterval?
    /// Seconds each of Dataproc's job states PENDING and RUNNING, and cluster states CREATING and DELETING, lasts.
    public var dataprocStepSeconds: TimeInterval = 2
    /// Run PySpark jobs and batches on this local Spark (`--spark local`); nil simulates them.
    public var spark: LocalSpark?
    /// Workload identity provider resource name the STS accepts as `audience`.
    public var workloadProviderAudience = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/gatehouse/providers/sandbox"
    /// Service accounts IAM Credentials lets signed-in users impersonate (`generateAccessToken`).
    public var serviceAccounts: [ServiceAccountImpersonation] = [
        ServiceAccountImpersonation(serviceAccount: "dataproc-runner@demo-project.iam.gserviceaccount.com", groups: ["team-a", "team-b"])
    ]
    /// Faults set at start.
    public var faults: [(SandboxUpstream, SandboxFault)] = []
    /// JSON Lines file every exchange is appended to, for the contract check; nil also checks
    /// `GATEHOUSE_SANDBOX_EXCHANGES`, and records nothing when that is unset.
    public var exchangeLog: String?
    /// Extra data merged over the defaults.
    public var seed: SandboxSeed?

    /// The defaults: ephemeral loopback ports, real clock, example data.
    public init() {}

    /// The port an upstream asks for (0 = ephemeral).
    func port(for upstream: SandboxUpstream) -> Int {
        guard let portBase else { return 0 }
        return portBase + (SandboxUpstream.allCases.firstIndex(of: upstream) ?? 0)
    }
}

/// A JSON fixture file (`--seed PATH`): extra users and Backstage entities, and a Backstage token.
public struct SandboxSeed: Codable, Sendable {
    /// Users added to (or replacing, by subject) the demo users.
    public var users: [SandboxUser]?
    /// Raw Backstage entities added to the catalog.
    public var backstageEntities: [JSONValue]?
    /// Bearer token the Backstage catalog requires.
    public var backstageToken: String?

    /// A seed with the given parts.
    public init(users: [SandboxUser]? = nil, backstageEntities: [JSONValue]? = nil, backstageToken: String? = nil) {
        self.users = users
        self.backstageEntities = backstageEntities
        self.backstageToken = backstageToken
    }

    /// Reads a seed file.
    public static func load(path: String) throws -> SandboxSeed {
        try JSONDecoder().decode(SandboxSeed.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
