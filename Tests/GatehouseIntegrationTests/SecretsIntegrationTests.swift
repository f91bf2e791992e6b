import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTesting
import Testing

/// Issue 4: tokens and client secrets never leave in clear. The daemon signs in, exchanges,
/// fetches a dashboard and submits a job against the sandbox with debug logging on; then every
/// token it holds and every client secret it was given is looked for, byte for byte, in the
/// database files, the daemon's log and the exported audit trail.
@Suite("Secrets stay secret", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct SecretsIntegrationTests {
    static let lookerSecret = "looker-admin-secret"
    static let paramSecret = "hunter2-param-secret-7f3a"

    @Test func noTokenOrSecretInTheDatabaseTheLogOrTheAuditTrail() async throws {
        var configuration = SandboxConfiguration()
        configuration.dataprocStepSeconds = 1
        let sandbox = try await Sandbox.start(configuration)
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("gh-secret-\(UUID().uuidString.prefix(8))").path
        try (Self.lookerSecret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secretFile) }
        let daemon = try TestDaemon(
            config: """
                log_level: debug
                \(sandboxIdentityAndCatalogYAML(sandbox, configuration))
                looker:
                  base_url: \(sandbox.lookerURL.absoluteString)
                  client_id: looker-admin-id
                  client_secret_file: \(secretFile)
                dataproc:
                  base_url: \(sandbox.dataprocURL.absoluteString)
                """)
        try await daemon.start()
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        _ = try await daemon.call("catalog.sync")

        // Every credential the daemon holds, as a script would take it.
        var secrets = [Self.lookerSecret, Self.paramSecret]
        for audience in ["oidc", "idp", "google"] {
            let answer = try await daemon.call("token.get", ["audience": .string(audience)])
            secrets.append(try #require(answer["token"]?.stringValue, "token.get \(audience): \(answer)"))
        }
        // Use them upstream: Looker with the client secret, Dataproc with the exchanged Google token.
        _ = try await daemon.call("dashboard.get", ["entity": "component:default/analytics-pipeline"])
        let job = try await daemon.call(
            "job.submit",
            [
                "entity": "component:default/engagement-reports", "job": ["pysparkJob": ["mainPythonFileUri": "gs://secrets/main.py"]],
            ])
        let jobID = try #require(job["jobId"]?.stringValue)
        var state = ""
        for _ in 0..<200 where !["SUBMITTED", "PENDING", "RUNNING", "DONE"].contains(state) {
            state = try await daemon.call("job.status", ["jobId": .string(jobID)])["state"]?.stringValue ?? ""
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state != "QUEUED" && state != "REJECTED", "the job should have reached Dataproc with the exchanged token")
        // A secret passed as a parameter is redacted before it is stored.
        _ = try? await daemon.call("catalog.get", ["ref": "component:default/artist-lookup", "client_secret": .string(Self.paramSecret)])

        daemon.stop()
        let exported = try daemon.cli(["audit", "export", "--format", "jsonl"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let stateDirectory = URL(fileURLWithPath: daemon.databasePath).deletingLastPathComponent().path
        var haystacks: [(String, Data)] = [("daemon log", Data(daemon.log.utf8)), ("audit export", Data(exported.stdout.utf8))]
        for file in try FileManager.default.contentsOfDirectory(atPath: stateDirectory) {
            haystacks.append((file, try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/" + file))))
        }

        // The haystacks are real: the log is verbose, and the audit trail names each token by fingerprint.
        #expect(daemon.log.contains("debug"))
        #expect(exported.stdout.contains("tokenFingerprint") && exported.stdout.contains("dashboard.get") && exported.stdout.contains("job.submit"))
        #expect(exported.stdout.contains(#""client_secret":"\#(Redaction.placeholder)""#))
        for secret in secrets {
            #expect(secret.count >= 16)
            for (name, bytes) in haystacks {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "a secret (\(secret.prefix(4))…) is in clear in \(name)")
            }
        }
        await sandbox.stop()
    }
}
