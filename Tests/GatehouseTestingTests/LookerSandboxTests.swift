import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Looker sandbox")
struct LookerSandboxTests {
    @Test func loginWithWrongCredentialsAnswersLookerNotFound() async throws {
        try await withManualSandbox { sandbox in
            let response = try await LoopbackHTTP.send(
                "POST", sandbox.lookerURL.with("/api/4.0/login"), headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Data("client_id=alice-client-id&client_secret=wrong".utf8))
            #expect(response.status == 404)
            #expect(response.json?["message"]?.stringValue == "Not found")
            #expect(response.json?["documentation_url"]?.stringValue != nil)
            #expect(!response.text.contains("wrong"))
        }
    }

    @Test func dashboardVisibilityFollowsFolders() async throws {
        try await withManualSandbox { sandbox in
            let alice = try await sandbox.lookerAuth(clientId: "alice-client-id", secret: "alice-client-secret")
            let own = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: alice)
            #expect(own.status == 200)
            #expect(own.json?["id"]?.stringValue == "12")
            let element = try #require(own.json?["dashboard_elements"]?.arrayValue?.first)
            #expect(element["query_id"]?.stringValue == "121")
            #expect(element.value(at: "query.model")?.stringValue == "analytics")

            let partial = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12?fields=id,title"), headers: alice)
            #expect(partial.json?.objectValue?.keys.sorted() == ["id", "title"])

            let others = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/56"), headers: alice)
            #expect(others.status == 404)
            let denied = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/561/run/json"), headers: alice)
            #expect(denied.status == 403)

            let bob = try await sandbox.lookerAuth(clientId: "bob-client-id", secret: "bob-client-secret")
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/56"), headers: bob).status == 200)
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: bob).status == 404)
        }
    }

    @Test func queriesRunAsJSONAndCSVDeterministically() async throws {
        try await withManualSandbox { sandbox in
            let alice = try await sandbox.lookerAuth(clientId: "alice-client-id", secret: "alice-client-secret")
            let json = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/121/run/json?limit=3"), headers: alice)
            let rows = try #require(json.json?.arrayValue)
            #expect(rows.count == 3)
            #expect(rows.first?["artists.name"]?.stringValue == "artists-1")
            let again = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/121/run/json?limit=3"), headers: alice)
            #expect(again.body == json.body)
            let csv = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/121/run/csv"), headers: alice)
            #expect(csv.text.hasPrefix("artists.name,artists.count\n"))
            let badType = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/121/run/json?limit=ten"), headers: alice)
            #expect(badType.status == 400)
        }
    }

    @Test func sudoAndEmbedNeedAnAdminAndLogoutRevokes() async throws {
        try await withManualSandbox { sandbox in
            let admin = try await sandbox.lookerAuth(clientId: "looker-admin-id", secret: "looker-admin-secret")
            let sudo = try await LoopbackHTTP.send("POST", sandbox.lookerURL.with("/api/4.0/login/102"), headers: admin)
            #expect(sudo.status == 200)
            let bob = ["Authorization": "Bearer \(sudo.json?["access_token"]?.stringValue ?? "")"]
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/56"), headers: bob).status == 200)
            #expect(try await LoopbackHTTP.send("POST", sandbox.lookerURL.with("/api/4.0/login/101"), headers: bob).status == 403)

            let embed = try await LoopbackHTTP.postJSON(
                sandbox.lookerURL.with("/api/4.0/embed/sso_url"),
                [
                    "target_url": "https://looker.example.com/embed/dashboards/12", "external_user_id": "alice", "permissions": ["access_data"],
                    "models": ["analytics"],
                ],
                headers: admin)
            #expect(embed.status == 200)
            #expect(embed.json?["url"]?.stringValue?.contains("/login/embed/") == true)
            let unknownField = try await LoopbackHTTP.postJSON(
                sandbox.lookerURL.with("/api/4.0/embed/sso_url"), ["target_url": "https://h/embed/dashboards/12", "colour": "blue"], headers: admin)
            #expect(unknownField.status == 400)

            #expect(try await LoopbackHTTP.send("DELETE", sandbox.lookerURL.with("/api/4.0/logout"), headers: bob).status == 204)
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/56"), headers: bob).status == 401)
        }
    }

    @Test func nestedFieldsAccessFiltersAndHistory() async throws {
        try await withManualSandbox { sandbox in
            let alice = try await sandbox.lookerAuth(clientId: "alice-client-id", secret: "alice-client-secret")
            let nested = try await LoopbackHTTP.get(
                sandbox.lookerURL.with("/api/4.0/dashboards/90?fields=id,dashboard_elements(query_id,query(view))"), headers: alice)
            #expect(nested.json?.objectValue?.keys.sorted() == ["dashboard_elements", "id"])
            let element = try #require(nested.json?["dashboard_elements"]?.arrayValue?.first)
            #expect(element.objectValue?.keys.sorted() == ["query", "query_id"])
            #expect(element["query"]?.objectValue?.keys.sorted() == ["view"])
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/90?fields=id,(x"), headers: alice).status == 400)

            // One shared dashboard, different rows: the KPI view's access filter reads gatehouse_teams.
            let bob = try await sandbox.lookerAuth(clientId: "bob-client-id", secret: "bob-client-secret")
            let aliceRows = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/901/run/json"), headers: alice).json?.arrayValue ?? []
            let bobRows = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/queries/901/run/json"), headers: bob).json?.arrayValue ?? []
            #expect(Set(aliceRows.compactMap { $0["kpis.team"]?.stringValue }) == ["team-a"])
            #expect(Set(bobRows.compactMap { $0["kpis.team"]?.stringValue }) == ["team-b"])

            // Looker's own record of both runs, readable by an admin only.
            let history: JSONValue = [
                "model": "system__activity", "view": "history", "fields": ["history.id", "user.id", "query.id"], "filters": ["query.id": "901"],
            ]
            #expect(try await LoopbackHTTP.postJSON(sandbox.lookerURL.with("/api/4.0/queries/run/json"), history, headers: alice).status == 403)
            let admin = try await sandbox.lookerAuth(clientId: "looker-admin-id", secret: "looker-admin-secret")
            let runs =
                try await LoopbackHTTP.postJSON(sandbox.lookerURL.with("/api/4.0/queries/run/json"), history, headers: admin).json?.arrayValue ?? []
            #expect(runs.compactMap { $0["user.id"]?.stringValue } == ["102", "101"])
        }
    }

    @Test func tokensExpireOnTheSandboxClock() async throws {
        try await withManualSandbox { sandbox in
            let alice = try await sandbox.lookerAuth(clientId: "alice-client-id", secret: "alice-client-secret")
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: alice).status == 200)
            sandbox.clock.advance(by: 3601)
            #expect(try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: alice).status == 401)
        }
    }
}
