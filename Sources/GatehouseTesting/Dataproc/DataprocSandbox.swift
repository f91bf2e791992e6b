import Foundation
import GatehouseCore
import Hummingbird

/// The Dataproc v1 stand-in: `projects.regions.jobs` (submit, get, list, cancel, delete),
/// `projects.regions.clusters` (create, get, list, patch, delete),
/// `projects.regions.operations` (get, list, cancel) and `projects.locations.batches` (create,
/// get, list, delete: Serverless for Apache Spark).
///
/// Requests are checked against the discovery document (`google-dataproc.v1.json`): query
/// parameters and body fields by name and type, plus the rules its descriptions add (names,
/// labels, `requestId`, lifecycle durations). Every state follows the sandbox clock, except
/// PySpark jobs and batches run on a real local Spark (`spark`), whose states follow the run.
public final class DataprocSandbox: Sendable {
    /// Seconds each of PENDING and RUNNING lasts on the sandbox clock.
    public let stepSeconds: TimeInterval
    /// The jobs held.
    public let jobs = DataprocJobStore()
    /// The Serverless batches held.
    public let batches = DataprocBatchStore()
    /// Cloud Storage objects: uploads, and the driver output of real Spark runs.
    public let objects = CloudStorageObjects()
    /// Runs PySpark workloads for real when the sandbox was started with `--spark local`.
    let spark: LocalSparkRunner?
    /// The clusters held (deleted ones too) and their operations.
    public let clusters: DataprocClusterStore
    let clock: SandboxClock
    let authorize: @Sendable (String) -> SandboxAccessToken?
    let discovery: JSONValue?
    let validator: DiscoverySchemaValidator

    /// A Dataproc stand-in. `authorize` maps a Bearer token to what was issued for it (STS, IAM
    /// Credentials, or the admin API); `discovery` is the parsed discovery document; `spark`, when
    /// set, runs PySpark workloads on a local Spark instead of simulating them.
    public init(
        clock: SandboxClock, discovery: JSONValue?, stepSeconds: TimeInterval = 2, spark: LocalSpark? = nil,
        authorize: @escaping @Sendable (String) -> SandboxAccessToken?
    ) {
        self.clock = clock
        self.discovery = discovery
        self.validator = DiscoverySchemaValidator(discovery: discovery)
        self.stepSeconds = stepSeconds
        self.authorize = authorize
        let objects = objects
        self.spark = spark.map { LocalSparkRunner(spark: $0, objects: objects, clock: clock) }
        let jobs = jobs
        self.clusters = DataprocClusterStore(stepSeconds: stepSeconds) { cluster in
            jobs.all.filter { job in
                job.projectId == cluster.projectId && job.region == cluster.region
                    && job.submitted.value(at: ["placement", "clusterName"])?.stringValue == cluster.clusterName
            }.map { $0.activeInterval(stepSeconds: stepSeconds) }
        }
    }

    /// Adds the Dataproc routes to `router`.
    public func addRoutes(to router: Router<SandboxRequestContext>) {
        addJobRoutes(to: router)
        addClusterRoutes(to: router)
        addOperationRoutes(to: router)
        addBatchRoutes(to: router)
    }

    /// The discovery method description for `<resource>.<name>` under `projects.regions`.
    func method(_ name: String, of resource: String) -> JSONValue? {
        discovery?.value(at: ["resources", "projects", "resources", "regions", "resources", resource, "methods", name])
    }

    /// Checks the query against the method's parameters and the caller's OAuth token (the
    /// `Authorization` header, or the `access_token`/`oauth_token` system parameter); returns
    /// the token and the admitted query.
    @discardableResult
    func admit(_ request: Request, resource: String = "jobs", method name: String) throws(SandboxHTTPError) -> DataprocCall {
        try admit(request, described: method(name, of: resource))
    }

    /// `admit` for a method given by its discovery description.
    @discardableResult
    func admit(_ request: Request, described method: JSONValue?) throws(SandboxHTTPError) -> DataprocCall {
        let query =
            try QueryParameterRules.discovery(method, in: discovery)?.admitted(request.sandboxQueryItems)
            ?? AdmittedQuery(items: request.sandboxQueryItems)
        if let alt = query["alt"], alt.prefix(while: { $0 != ";" }) != "json" {
            throw .badRequest("The sandbox serves alt=json only (got alt=\(alt)).")
        }
        let credentials: (scheme: String, credentials: String)? =
            request.authorizationCredentials ?? (query["access_token"] ?? query["oauth_token"]).map { ("bearer", $0) }
        guard let (scheme, token) = credentials else {
            throw .unauthorized(
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."
            )
        }
        guard scheme == "bearer", let info = authorize(token), info.isValid(at: clock.now) else {
            throw .unauthorized(
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
            )
        }
        guard info.scopes.contains(SandboxAccessToken.cloudPlatformScope) else {
            throw SandboxHTTPError(.forbidden, "Request had insufficient authentication scopes.", code: "PERMISSION_DENIED")
        }
        let partial = try query["fields"].flatMap { fields throws(SandboxHTTPError) in fields.isEmpty ? nil : try PartialResponse(fields) }
        return DataprocCall(token: info, query: query, partial: partial)
    }

    /// Checks the project and region path parameters.
    static func location(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> (project: String, region: String) {
        let project = context.parameters.get("projectId") ?? ""
        let region = context.parameters.get("region") ?? ""
        guard project.range(of: #"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"#, options: .regularExpression) != nil else {
            throw .badRequest("Invalid project id '\(project)': 6 to 30 lowercase letters, digits or hyphens, starting with a letter.")
        }
        guard region == "global" || region.range(of: #"^[a-z]+-[a-z]+[0-9]+$"#, options: .regularExpression) != nil else {
            throw .badRequest("Invalid region '\(region)': use a region such as europe-west1 or global.")
        }
        return (project, region)
    }

    /// Forgets every job, cluster, batch and operation.
    public func reset() {
        jobs.reset()
        clusters.reset()
        batches.reset()
        objects.reset()
    }
}

/// An admitted Dataproc request: who called and its query after the discovery rules.
struct DataprocCall: Sendable {
    /// What the caller's token was issued for.
    var token: SandboxAccessToken
    /// The query, system parameters under plain names and enums as names.
    var query: AdmittedQuery

    /// The `fields` selection, parsed when the call was admitted so a malformed one changes nothing.
    var partial: PartialResponse?

    /// `value` as the JSON answer, reduced to the `fields` selection when the caller sent one.
    func respond(_ value: JSONValue) -> Response {
        JSONResponse.make(partial?.apply(to: value) ?? value)
    }
}
