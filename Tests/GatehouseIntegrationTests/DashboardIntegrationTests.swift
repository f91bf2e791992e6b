import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Dashboards end to end: the real daemon against the in-process sandbox (OIDC, Backstage, Looker).
@Suite("Dashboards through the daemon", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct DashboardIntegrationTests {
    static let owned = "component:default/analytics-pipeline"
    static let notOwned = "component:default/ledger-close"

    @Test func ownedServedDeniedAuditedAndStaleOfflineWhenLookerIsDown() async throws {
        let sandbox = try await Sandbox.start()
        let daemon = try await Self.daemon(for: sandbox)
        defer { daemon.stop() }
        try await daemon.signIn(sandbox: sandbox, as: "alice")
        _ = try await daemon.call("catalog.sync")

        // Owned entity: fetched from Looker, as the configured Looker user.
        let first = try await daemon.call("dashboard.get", ["entity": .string(Self.owned)])
        #expect(first["title"] == "Artist engagement")
        #expect(first["id"] == "12")
        #expect(first["stale"] == false && first["offline"] == false)
        #expect(first["lookerUser"] == "looker-embed:alice")  // her own embed user (looker.people: embed)
        #expect(first["tiles"]?.arrayValue?.first?["rows"]?.arrayValue?.first?["artists.name"] == "artists-1")

        // The CLI renders the tiles as tables.
        let shown = try await offPool { try daemon.cli(["dashboard", "show", Self.owned]) }
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("## Artist engagement by name") && shown.stdout.contains("artists-1"))
        let csv = try await offPool { try daemon.cli(["dashboard", "show", Self.owned, "12", "--csv"]) }
        #expect(csv.stdout.contains("# Artist engagement by name\nartists.name,artists.count\nartists-1,"), "\(csv.stdout)")
        let listed = try await offPool { try daemon.cli(["dashboard", "ls", "system:default/analytics"]) }
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("12") && $0.contains("Artist engagement") && $0.contains("yes") }, "\(listed.stdout)")
        #expect(lines.contains { $0.hasPrefix("34") && $0.contains("no") }, "\(listed.stdout)")
        let opened = try await offPool { try daemon.cli(["dashboard", "open", Self.owned, "12"]) }
        #expect(opened.status == 0 && opened.stdout.contains("/login/embed/"), "\(opened.stderr)")
        let unlinked = try await daemon.failure("dashboard.get", ["entity": .string(Self.owned), "id": "56"])
        #expect(unlinked?.reason == "dashboard_not_linked")
        let deniedCLI = try await offPool { try daemon.cli(["dashboard", "show", Self.notOwned]) }
        #expect(deniedCLI.status == 4)

        // Not owned: denied by policy before Looker is asked, and the denial is audited.
        let denied = try await daemon.failure("dashboard.get", ["entity": .string(Self.notOwned)])
        #expect(denied?.code == RPCErrorCode.denied.rawValue)
        let audit = try await daemon.call("audit.query", ["method": "dashboard.get", "decision": "deny"])
        let records = audit["records"]?.arrayValue ?? []
        #expect(records.count == 2)  // this call and the CLI's
        #expect(records.first?["entity"] == .string(Self.notOwned))
        #expect(records.first?["principal"] == "alice@example.com")
        let allowed = try await daemon.call("audit.query", ["method": "dashboard.get", "decision": "allow"])
        #expect(allowed["records"]?.arrayValue?.first?["detail"]?["lookerUser"] == "looker-embed:alice")

        // Looker down: the same dashboard, stale and offline, with the data of the last fetch before.
        // (The CLI calls above can outlast the 1 s freshness, so that fetch may be a refresh of the first.)
        try await sandbox.setFault(SandboxFault(kind: .down), on: .looker)
        try await Task.sleep(for: .milliseconds(1200))  // past looker.fresh_ttl (1 s)
        var offline: JSONValue = .null
        for _ in 0..<100 {
            offline = try await daemon.call("dashboard.get", ["entity": .string(Self.owned)])
            if offline["offline"] == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(offline["stale"] == true && offline["offline"] == true)
        // The store's timestamps are fixed-width UTC and sort as text.
        let firstFetched = first["fetchedAt"]?.stringValue ?? "~"
        #expect((offline["fetchedAt"]?.stringValue ?? "") >= firstFetched, "\(offline)")
        #expect(offline["tiles"] == first["tiles"])

        // Never fetched and Looker down: a clear "not available offline".
        let never = try await daemon.failure("dashboard.get", ["entity": "system:default/analytics", "id": "34"])
        #expect(never?.code == RPCErrorCode.upstreamUnavailable.rawValue)
        #expect(never?.reason == "not_available_offline")
        await sandbox.stop()
    }

    // MARK: helpers

    static func daemon(for sandbox: Sandbox) async throws -> TestDaemon {
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
                  fresh_ttl: 1
                """)
        try await daemon.start()
        return daemon
    }
}
