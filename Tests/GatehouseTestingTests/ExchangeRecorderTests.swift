import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Sandbox exchange recording")
struct ExchangeRecorderTests {
    @Test func recordsRoutesAndExchangesWithoutSecrets() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exchanges-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withManualSandbox({ $0.exchangeLog = path }) { sandbox in
            let login = try await LoopbackHTTP.send(
                "POST", sandbox.lookerURL.with("/api/4.0/login"), headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Data("client_id=looker-admin-id&client_secret=looker-admin-secret".utf8))
            let token = try #require(login.json?["access_token"]?.stringValue)
            _ = try await LoopbackHTTP.get(sandbox.lookerURL.with("/api/4.0/dashboards/12"), headers: ["Authorization": "token \(token)"])

            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains("looker-admin-secret"))
            #expect(!text.contains(token))
            let lines = try text.split(separator: "\n").map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            let listed = try #require(lines.first?["routes"]?.arrayValue)
            #expect(
                listed.contains {
                    $0["path"]?.stringValue == "/v1/projects/{projectId}/regions/{region}/clusters/{clusterName}"
                        && $0["method"]?.stringValue == "PATCH"
                })
            #expect(listed.count == sandbox.routes.count)
            let exchanges = lines.dropFirst()
            #expect(exchanges.count == 2)
            let loginExchange = try #require(exchanges.first)
            #expect(loginExchange["route"]?.stringValue == "/api/4.0/login")
            #expect(loginExchange["requestBody"]?.stringValue?.contains("client_secret=[REDACTED]") == true)
            #expect(loginExchange["status"]?.intValue == 200)
            let dashboard = try #require(exchanges.last)
            #expect(dashboard["route"]?.stringValue == "/api/4.0/dashboards/{dashboard_id}")
            #expect(dashboard["authorizationScheme"]?.stringValue == "token")
            #expect(dashboard["responseBody"]?.stringValue?.contains("\"dashboard_elements\"") == true)
        }
    }

    @Test func adminRoutesListEveryUpstreamsRouter() async throws {
        try await withManualSandbox { sandbox in
            let routes = try await LoopbackHTTP.get(sandbox.adminURL.with("/admin/routes")).json?["routes"]?.arrayValue ?? []
            let dataproc = routes.filter { $0["upstream"]?.stringValue == "dataproc" }.compactMap { route -> String? in
                guard let method = route["method"]?.stringValue, let path = route["path"]?.stringValue else { return nil }
                return "\(method) \(path)"
            }
            #expect(dataproc.contains("POST /v1/projects/{projectId}/regions/{region}/clusters"))
            #expect(dataproc.contains("GET /v1/projects/{projectId}/regions/{region}/operations/{operationId}"))
            #expect(
                routes.contains {
                    $0["upstream"]?.stringValue == "iamcredentials" && $0["path"]?.stringValue?.hasSuffix(":generateAccessToken") == true
                })
            #expect(!routes.contains { $0["upstream"]?.stringValue == "iamcredentials" && $0["path"]?.stringValue == "/v1/token" })
        }
    }
}
