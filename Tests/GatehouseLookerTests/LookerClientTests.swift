import Foundation
import GatehouseCore
import GatehouseLooker
import GatehouseTesting
import Testing

@Suite("LookerClient against the sandbox")
struct LookerClientTests {
    @Test func dashboardComesWithEveryTilesRows() async throws {
        let harness = try await LookerHarness.start()
        let dashboard = try await harness.client.dashboard("12", for: LookerHarness.alice)
        await harness.stop()
        #expect(dashboard.title == "Artist engagement")
        #expect(dashboard.folder == "Team A")
        #expect(dashboard.model == "analytics")
        #expect(dashboard.tiles.count == 2)
        let first = try #require(dashboard.tiles.first)
        #expect(first.queryID == "121")
        #expect(first.fields == ["artists.name", "artists.count"])
        #expect(first.rows?.count == 5)
        #expect(first.rows?.first?["artists.name"] == "artists-1")
        #expect(first.error == nil)
    }

    @Test func tokenIsReusedAndRenewedAfterLookerForgetsIt() async throws {
        let harness = try await LookerHarness.start()
        _ = try await harness.client.runQuery("121", for: LookerHarness.alice)
        _ = try await harness.client.runQuery("122", for: LookerHarness.alice)
        let loginsBefore = harness.requests("/login")
        harness.sandbox.looker.expireAllSessions()
        let rows = try await harness.client.runQuery("341", for: LookerHarness.alice)
        let loginsAfter = harness.requests("/login")
        let unauthorized = harness.sandbox.requestLog.recent(upstream: .looker).filter { $0.status == 401 }.count
        await harness.stop()
        #expect(loginsBefore == 1)
        #expect(unauthorized == 1)
        #expect(loginsAfter == 2)
        #expect(rows.count == 5)
    }

    @Test func wrongSecretIsALoginRejectionWithoutTheSecret() async throws {
        let harness = try await LookerHarness.start(secret: "not-the-secret-42")
        let error = await #expect(throws: LookerError.self) {
            _ = try await harness.client.dashboard("12", for: LookerHarness.alice)
        }
        await harness.stop()
        #expect(error == .loginRejected(status: 404))
        #expect(!(error?.description.contains("not-the-secret-42") ?? true))
    }

    @Test func perUserCredentialsSeeOnlyTheirFolders() async throws {
        let harness = try await LookerHarness.start(clientID: "alice-client-id", secret: "alice-client-secret")
        let own = try await harness.client.dashboard("34", for: LookerHarness.alice)
        let error = await #expect(throws: LookerError.self) {
            _ = try await harness.client.dashboard("56", for: LookerHarness.alice)
        }
        await harness.stop()
        #expect(own.title == "Engagement reports")
        #expect(error == .dashboardNotFound(id: "56"))
        #expect(harness.client.lookerUser == "looker:alice-client-id")
    }

    @Test func embedURLIsAnSSOLoginURLForTheDashboard() async throws {
        let harness = try await LookerHarness.start()
        let url = try await harness.client.embedURL(dashboardID: "12", model: "analytics", for: LookerHarness.alice, sessionSeconds: 600)
        await harness.stop()
        let components = try #require(URLComponents(string: url))
        #expect(components.path.hasPrefix("/login/embed/"))
        #expect(components.path.contains("dashboards"))
        // Signed embed URLs carry each user parameter JSON-encoded, as Looker's do.
        #expect(components.queryItems?.first { $0.name == "external_user_id" }?.value == "\"alice\"")
        #expect(components.queryItems?.first { $0.name == "session_length" }?.value == "600")
    }

    @Test func lookerDownIsUnavailable() async throws {
        let harness = try await LookerHarness.start()
        try await harness.sandbox.setFault(SandboxFault(kind: .down), on: .looker)
        let error = await #expect(throws: LookerError.self) {
            _ = try await harness.client.dashboard("12", for: LookerHarness.alice)
        }
        await harness.stop()
        #expect(error?.isUnavailable == true)
    }
}
