import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Each person's own Looker view: the daemon reads dashboards as the person's embed
/// user, whose groups and user attributes come from the catalog, so Looker's access filters decide
/// the rows; the service token never reaches a caller.
@Suite("Looker: each person's own view", .serialized, .timeLimit(.minutes(4)))
struct LookerPeopleIntegrationTests {
    /// A component both teams may view (owned by their parent group), linked to the shared KPI dashboard.
    static let shared = "component:default/company-kpis"

    static func registerShared(in sandbox: Sandbox) {
        sandbox.backstage.register([
            "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": ["name": "company-kpis", "namespace": "default", "annotations": ["looker.com/dashboard-ids": "90"]],
            "spec": ["type": "website", "lifecycle": "production", "owner": "data-eng"],
        ])
    }

    static func kpiRows(_ dashboard: JSONValue) -> [JSONValue] {
        dashboard["tiles"]?.arrayValue?.first?["rows"]?.arrayValue ?? []
    }

    @Test func aliceAndBobSeeTheirOwnRowsOfOneSharedDashboard() async throws {
        let sandbox = try await Sandbox.start()
        Self.registerShared(in: sandbox)
        var answers: [String: JSONValue] = [:]
        var audits: [String: JSONValue] = [:]
        for person in ["alice", "bob"] {
            let daemon = try await DashboardIntegrationTests.daemon(for: sandbox)
            defer { daemon.stop() }
            try await daemon.signIn(sandbox: sandbox, as: person)
            _ = try await daemon.call("catalog.sync")
            answers[person] = try await daemon.call("dashboard.get", ["entity": .string(Self.shared)])
            audits[person] = try await daemon.call("audit.query", ["method": "dashboard.get", "decision": "allow"])

            // The person's own Looker token, never the service account's.
            let token = try await daemon.call("token.get", ["audience": "looker"])
            let tokenUser = sandbox.looker.userId(ofToken: token["token"]?.stringValue ?? "")
            let embed = try #require(sandbox.looker.embedUser(external: person))
            #expect(tokenUser == embed.id)
            #expect(tokenUser != "1")
            #expect(embed.attributes["gatehouse_teams"]?.split(separator: ",").contains("team-\(person == "alice" ? "a" : "b")") == true)
            #expect(embed.attributes["gatehouse_entities"]?.contains("component:default/company-kpis") == true)
        }
        let aliceRows = Self.kpiRows(answers["alice"] ?? .null)
        let bobRows = Self.kpiRows(answers["bob"] ?? .null)
        #expect(!aliceRows.isEmpty && !bobRows.isEmpty)
        #expect(Set(aliceRows.compactMap { $0["kpis.team"]?.stringValue }) == ["team-a"])
        #expect(Set(bobRows.compactMap { $0["kpis.team"]?.stringValue }) == ["team-b"])
        #expect(aliceRows != bobRows)
        #expect(answers["alice"]?["lookerUser"] == "looker-embed:alice")
        #expect(answers["bob"]?["lookerUser"] == "looker-embed:bob")
        for person in ["alice", "bob"] {
            let detail = audits[person]?["records"]?.arrayValue?.first?["detail"]
            #expect(detail?["lookerUser"] == .string("looker-embed:\(person)"))
            #expect(detail?["lookerUserId"] == sandbox.looker.embedUser(external: person).map { .string($0.id) })
            #expect(detail?["lookerQueryIds"] == ["901", "902"])
        }
        await sandbox.stop()
    }

    @Test func aCatalogChangeUpdatesTheEmbedUserAndDropsThatPersonsCache() async throws {
        let sandbox = try await Sandbox.start()
        Self.registerShared(in: sandbox)
        let daemon = try await DashboardIntegrationTests.daemon(for: sandbox)
        defer { daemon.stop() }
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        _ = try await daemon.call("catalog.sync")
        _ = try await daemon.call("dashboard.get", ["entity": .string(Self.shared)])
        let before = try await daemon.call("dashboard.list", ["entity": .string(Self.shared)])
        #expect(before["dashboards"]?.arrayValue?.first?["cached"] == true)

        // team-a now owns the billing ETL too: alice's entities attribute changes with the next sync.
        sandbox.backstage.setOwner(of: "component:default/billing-etl", to: "team-a")
        _ = try await daemon.call("catalog.sync")
        let attributes = sandbox.looker.embedUser(external: "alice")?.attributes["gatehouse_entities"] ?? ""
        #expect(attributes.contains("component:default/billing-etl"), "\(attributes)")
        let after = try await daemon.call("dashboard.list", ["entity": .string(Self.shared)])
        #expect(after["dashboards"]?.arrayValue?.first?["cached"] == false)
        await sandbox.stop()
    }

    @Test func serviceModeRefusesALookerTokenClearly() async throws {
        let sandbox = try await Sandbox.start()
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("looker-secret-\(UUID().uuidString.prefix(8))").path
        try "looker-admin-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let daemon = try TestDaemon(
            config: """
                identity:
                  issuer: \(sandbox.oidcIssuerURL.absoluteString)
                  client_id: gatehouse
                looker:
                  base_url: \(sandbox.lookerURL.absoluteString)
                  client_id: looker-admin-id
                  client_secret_file: \(secret)
                  people: service
                """)
        try await daemon.start()
        defer { daemon.stop() }
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        let refused = try await daemon.failure("token.get", ["audience": "looker"])
        #expect(refused?.message.contains("looker.people is 'service'") == true, "\(String(describing: refused))")
        #expect(refused?.message.contains("looker-admin-secret") == false)
        await sandbox.stop()
    }
}

/// Audit on both sides and rotation in the daemon.
@Suite("Looker: audit on both sides, rotated service credentials", .serialized, .timeLimit(.minutes(4)))
struct LookerAuditRotationIntegrationTests {
    @Test func auditShowJoinsLookerHistoryAndRotatedSecretsStayOutOfDatabaseLogsAndAudit() async throws {
        let sandbox = try await Sandbox.start()
        LookerPeopleIntegrationTests.registerShared(in: sandbox)
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("looker-secret-\(UUID().uuidString.prefix(8))").path
        try "looker-admin-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let daemon = try TestDaemon(
            config: """
                identity:
                  issuer: \(sandbox.oidcIssuerURL.absoluteString)
                  client_id: gatehouse
                catalog:
                  base_url: \(sandbox.backstageURL.absoluteString)
                  sync_interval_seconds: 0
                looker:
                  base_url: \(sandbox.lookerURL.absoluteString)
                  client_id: looker-admin-id
                  client_secret_file: \(secret)
                  fresh_ttl: 0
                  rotate_every: 1
                """)
        try await daemon.start()
        defer { daemon.stop() }
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        _ = try await daemon.call("catalog.sync")

        // Reads go on while the daemon rotates its service pair every second.
        let rotated = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            _ = try await daemon.call("dashboard.get", ["entity": .string(LookerPeopleIntegrationTests.shared)])
            let status = try await daemon.call("system.status")
            return (status["components"]?["dashboards"]?["rotation"]?["rotations"]?.intValue ?? 0) >= 2
        }
        #expect(rotated)
        #expect(!sandbox.looker.hasCredential(clientId: "looker-admin-id"), "the configured pair was rotated out and deleted")

        let fetches = try await daemon.call("audit.query", ["method": "dashboard.get", "decision": "allow", "order": "desc", "limit": 50])
        let records = fetches["records"]?.arrayValue ?? []
        #expect(!records.isEmpty && records.allSatisfy { $0["outcome"] == "ok" }, "no read failed during the rotations")
        let record = try #require(records.first { $0["detail"]?["lookerHistoryIds"] != nil })
        let seq = try #require(record["seq"]?.intValue)
        let shown = try await offPool { try daemon.cli(["audit", "show", String(seq)]) }
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("looker-embed:alice") && shown.stdout.contains("Looker System Activity history"), "\(shown.stdout)")
        let embedId = try #require(sandbox.looker.embedUser(external: "alice")?.id)
        let marked = shown.stdout.split(separator: "\n").filter { $0.hasPrefix("*") }
        #expect(!marked.isEmpty && marked.allSatisfy { $0.contains(embedId) && ($0.contains("901") || $0.contains("902")) }, "\(shown.stdout)")
        let json = try await offPool { try daemon.cli(["audit", "show", String(seq), "--json"]) }
        #expect(json.stdout.contains("\"history.id\""))

        // No issued secret anywhere on our side: database files, daemon log, audit export.
        let export = try await offPool { try daemon.cli(["audit", "export"]) }
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes.append((try? Data(contentsOf: URL(fileURLWithPath: daemon.databasePath + suffix))) ?? Data()) }
        let secrets = sandbox.looker.issuedSecrets
        #expect(secrets.count >= 3)
        for issued in secrets {
            #expect(bytes.range(of: Data(issued.utf8)) == nil)
            #expect(!daemon.log.contains(issued))
            #expect(!export.stdout.contains(issued))
        }
        await sandbox.stop()
    }
}
