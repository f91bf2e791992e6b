import Foundation
import GatehouseCore
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// `gatehouse doctor` against a healthy setup and three broken ones, each failure naming its fix.
@Suite("gatehouse doctor", .serialized, .timeLimit(.minutes(4)))  // a hang fails, named, instead of stalling CI
struct DoctorIntegrationTests {
    @Test func healthySetupIsAllGreen() async throws {
        try await using(JobEnvironment.start()) { jobs in
            let report = try await offPool { try jobs.daemon.cli(["doctor", "--json"]) }
            #expect(report.status == 0, "\(report.stdout) \(report.stderr)")
            let checks = try Self.checks(report.stdout)
            let notGreen = checks.filter { !["ok", "skip"].contains($0.value["status"]?.stringValue ?? "") }
            #expect(notGreen.isEmpty, "not green: \(notGreen)")
            for name in ["config", "daemon", "socket", "idp", "tokens", "catalog", "backstage", "dataproc", "disk", "audit"] {
                #expect(checks[name]?["status"] == "ok", "\(name): \(checks[name] ?? .null)")
            }
            let human = try await offPool { try jobs.daemon.cli(["doctor"]) }
            #expect(human.stdout.contains("no problems found"), "\(human.stdout)")
        }
    }

    @Test func daemonDownNamesGatehouseServe() async throws {
        try await using(Sandbox.start()) { sandbox in
            let daemon = try TestDaemon(config: sandboxIdentityAndCatalogYAML(sandbox))
            let report = try await offPool { try daemon.cli(["doctor"]) }
            #expect(report.status == 1)
            #expect(report.stdout.contains("daemon") && report.stdout.contains("fix: start it: `gatehouse serve`"), "\(report.stdout)")
            let checks = try Self.checks(try await offPool { try daemon.cli(["doctor", "--json"]) }.stdout)
            #expect(checks["daemon"]?["status"] == "fail" && checks["idp"]?["status"] == "ok", "\(checks)")
        }
    }

    @Test func unreachableIdPNamesTheIssuerKey() async throws {
        try await using(Sandbox.start()) { sandbox in
            // A port nothing listens on: the discovery request is refused.
            let yaml = sandboxIdentityAndCatalogYAML(sandbox).replacingOccurrences(
                of: sandbox.oidcIssuerURL.absoluteString, with: "http://127.0.0.1:9/realm")
            let daemon = try TestDaemon(config: yaml)
            try await daemon.start()
            defer { daemon.stop() }
            let report = try await offPool { try daemon.cli(["doctor"]) }
            #expect(report.status == 1)
            #expect(
                report.stdout.contains("http://127.0.0.1:9/realm unreachable") && report.stdout.contains("fix: check identity.issuer"),
                "\(report.stdout)")
        }
    }

    @Test func neverSyncedCatalogNamesCatalogSync() async throws {
        try await using(Sandbox.start()) { sandbox in
            let daemon = try TestDaemon(config: sandboxIdentityAndCatalogYAML(sandbox))
            try await daemon.start()
            defer { daemon.stop() }
            let report = try await offPool { try daemon.cli(["doctor"]) }
            #expect(report.status == 1)
            #expect(report.stdout.contains("never synced") && report.stdout.contains("fix: `gatehouse catalog sync`"), "\(report.stdout)")
            let checks = try Self.checks(try await offPool { try daemon.cli(["doctor", "--json"]) }.stdout)
            #expect(checks["catalog"]?["status"] == "fail" && checks["daemon"]?["status"] == "ok")
        }
    }

    static func checks(_ text: String) throws -> [String: JSONValue] {
        let report = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        var byName: [String: JSONValue] = [:]
        for check in report["checks"]?.arrayValue ?? [] { byName[check["name"]?.stringValue ?? "?"] = check }
        return byName
    }
}
