import Foundation
import GatehouseCore
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// `system.status` and `gatehouse status` with every component configured.
@Suite("Status per component", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct StatusIntegrationTests {
    @Test func everyComponentReportsUnderItsOwnKey() async throws {
        try await using(Sandbox.start()) { sandbox in
            let secret = FileManager.default.temporaryDirectory.appendingPathComponent("looker-secret-\(UUID().uuidString.prefix(8))").path
            try "looker-admin-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
            let daemon = try TestDaemon(
                config: sandboxIdentityAndCatalogYAML(sandbox) + """

                    looker:
                      base_url: \(sandbox.lookerURL.absoluteString)
                      client_id: looker-admin-id
                      client_secret_file: \(secret)
                    dataproc:
                      base_url: \(sandbox.dataprocURL.absoluteString)
                    """)
            try await daemon.start()
            defer { daemon.stop() }

            let status = try await daemon.call("system.status")
            let components = try #require(status["components"]?.objectValue)
            #expect(Set(components.keys) == ["identity", "catalog", "policy", "dashboards", "jobs", "clusters", "approvals", "fleet", "batches"])
            // Members that two components both have stay apart (a flat map let one overwrite the other).
            #expect(components["catalog"]?["configured"] == true)
            #expect(components["dashboards"]?["configured"] == true)
            #expect(components["identity"]?["signedIn"] == false)
            #expect(components["identity"]?["offline"] != nil && components["dashboards"]?["offline"] != nil)
            #expect(components["dashboards"]?["lookerUser"] == "looker:looker-admin-id")
            #expect(components["jobs"]?["watchers"] == 0)
            #expect(components["approvals"]?["pending"] == 0)
            #expect(status["audit"]?["records"]?.intValue ?? 0 >= 1)

            // People see one group per component, each key once.
            let shown = try await offPool { try daemon.cli(["status"]) }
            #expect(shown.status == 0, "\(shown.stderr)")
            let lines = shown.stdout.split(separator: "\n").map(String.init)
            for component in components.keys {
                #expect(lines.contains(component), "no \(component) group in:\n\(shown.stdout)")
            }
            #expect(lines.contains { $0.hasPrefix("  looker user") && $0.hasSuffix("looker:looker-admin-id") }, "\(shown.stdout)")
            #expect(!shown.stdout.contains("{"), "no raw JSON for people:\n\(shown.stdout)")
        }
    }
}
