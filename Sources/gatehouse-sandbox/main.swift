import ArgumentParser
import Foundation
import GatehouseTesting

/// `gatehouse-sandbox`: runs the upstream stand-ins on loopback until interrupted.
@main
struct GatehouseSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-sandbox",
        abstract: "Local stand-ins for Backstage, Looker, Dataproc, Cloud Storage (driver output), Google STS/IAM Credentials and an OIDC provider.",
        discussion: """
            Prints one line per upstream, `name url`, once every listener is up. The admin API \
            (/admin/faults, /admin/clock/advance, /admin/dataproc/jobs, /admin/dataproc/clusters, /admin/dataproc/batches, /admin/dataproc/operations, \
            /admin/routes, /admin/requests, /admin/tokens, \
            /admin/reset) controls faults, time and state while it runs.
            """)

    @Option(
        help:
            "First port; upstreams use N (backstage), N+1 (looker), N+2 (dataproc), N+3 (sts), N+4 (iamcredentials), N+5 (oidc), N+6 (admin), N+7 (storage). Default: ephemeral ports."
    )
    var portBase: Int?

    @Option(help: "Loopback address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Write the URLs as a JSON object {name: url} to this file once listening.")
    var portsFile: String?

    @Option(
        help:
            "Append every request and answer (secrets redacted) as JSON Lines to this file, for scripts/contract. Default: $GATEHOUSE_SANDBOX_EXCHANGES, else off."
    )
    var recordExchanges: String?

    @Option(help: "Clock mode: real (wall-clock time) or manual (moves only via POST /admin/clock/advance).")
    var clock: String = "real"

    @Option(help: "Add N synthetic Backstage entities (20% groups, 40% users, 40% annotated components).")
    var synthetic: Int = 0

    @Option(help: "Depth of the synthetic group hierarchy.")
    var groupDepth: Int = 8

    @Option(
        help:
            "Directory of the published API specs to check requests against (strict mode). Default: $GATEHOUSE_SANDBOX_FIXTURES, else no strict checks."
    )
    var fixtures: String?

    @Flag(help: "Do not load the demo organisation into the Backstage catalog.")
    var noExamples = false

    @Option(help: "JSON seed file: {users: [...], backstageEntities: [...], backstageToken: \"...\"}.")
    var seed: String?

    @Option(help: "Require this Bearer token on every Backstage request.")
    var backstageToken: String?

    @Option(help: "Seconds each of Dataproc's job states PENDING and RUNNING, and cluster states CREATING and DELETING, lasts on the sandbox clock.")
    var dataprocStepSeconds: Double = 2

    @Option(help: "Run PySpark jobs and batches for real: local (spark-submit --master local[*]). Default: simulated runs.")
    var spark: String?

    @Option(
        help:
            "The spark-submit --spark local starts (scripts/spark/setup.sh prints it). Default: $GATEHOUSE_SPARK_SUBMIT, else spark-submit on PATH."
    )
    var sparkSubmit: String?

    @Option(help: "Longest a --spark local run may take, in seconds; longer runs are killed and end ERROR.")
    var sparkTimeoutSeconds: Double = 600

    @Option(help: "Workload identity provider resource name the STS accepts as audience.")
    var workloadAudience: String?

    @Option(
        help: ArgumentHelp(
            "Start with a fault: UPSTREAM=KIND[:ARG[:COUNT]] (repeatable).",
            discussion:
                "Kinds: down, slow:MS, status:CODE:N, ratelimit:RETRY_AFTER:N, garbage:N, reset-after-body:N, drop-on-page:PAGE:N, expire-tokens:N, revoke."
        ))
    var fault: [String] = []

    func validate() throws {
        guard SandboxClock.Mode(rawValue: clock) != nil else { throw ValidationError("--clock must be real or manual.") }
        guard synthetic >= 0 else { throw ValidationError("--synthetic must not be negative.") }
        if let spark, spark != "local" { throw ValidationError("--spark must be local.") }
        guard sparkTimeoutSeconds > 0 else { throw ValidationError("--spark-timeout-seconds must be positive.") }
        if let portBase, !(1...65_528).contains(portBase) { throw ValidationError("--port-base must leave room for 7 ports below 65536.") }
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.portBase = portBase
        configuration.clockMode = SandboxClock.Mode(rawValue: clock) ?? .real
        configuration.syntheticEntities = synthetic
        configuration.syntheticGroupDepth = groupDepth
        configuration.fixturesDirectory = fixtures
        configuration.includeExamples = !noExamples
        configuration.backstageToken = backstageToken
        configuration.dataprocStepSeconds = dataprocStepSeconds
        configuration.exchangeLog = recordExchanges
        if let workloadAudience { configuration.workloadProviderAudience = workloadAudience }
        if let seed { configuration.seed = try SandboxSeed.load(path: seed) }
        configuration.faults = try fault.map { try SandboxFault.parse($0) }
        if spark != nil { configuration.spark = LocalSpark(sparkSubmit: try Self.locateSparkSubmit(sparkSubmit), timeout: sparkTimeoutSeconds) }

        let sandbox = try await Sandbox.start(configuration)
        let urls = sandbox.urls
        for upstream in SandboxUpstream.allCases {
            print("\(upstream.rawValue) \(urls[upstream.rawValue] ?? "")")
        }
        if let portsFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try encoder.encode(urls).write(to: URL(fileURLWithPath: portsFile), options: .atomic)
        }
        fflush(nil)  // scripts read the URLs from a pipe: make them visible before blocking
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sandbox.run() }
            group.addTask { await Self.waitForTerminationSignal() }
            await group.next()
            group.cancelAll()
        }
        await sandbox.stop()
    }

    /// The spark-submit `--spark local` runs: the option, `$GATEHOUSE_SPARK_SUBMIT`, or PATH.
    static func locateSparkSubmit(_ given: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let candidates =
            [given ?? environment["GATEHOUSE_SPARK_SUBMIT"]].compactMap { $0 }
            + (given == nil && environment["GATEHOUSE_SPARK_SUBMIT"] == nil
                ? (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/spark-submit" } : [])
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ValidationError(
                "--spark local needs spark-submit: run scripts/spark/setup.sh (installs pyspark and Java 17) and pass the path it prints as --spark-submit."
            )
        }
        return URL(fileURLWithPath: found).standardizedFileURL.path
    }

    /// Returns on SIGINT or SIGTERM.
    static func waitForTerminationSignal() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
        for await _ in stream { break }
        sources.forEach { $0.cancel() }
    }
}
