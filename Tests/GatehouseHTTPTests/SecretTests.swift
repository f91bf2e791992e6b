import Foundation
import GatehouseHTTP
import Hummingbird
import Testing

@Suite("Secrets stay out of logs and errors")
struct SecretTests {
    private let bearer = "bearer-secret-3f9a7c21"
    private let clientSecret = "client-secret-&=+ 8d2e"
    private let queryToken = "query-token-51b0"
    private let extraSecret = "body-embedded-secret-77aa"

    @Test("Trace logs and error descriptions of failing and succeeding calls never contain a secret")
    func noSecretInLogsOrErrors() async throws {
        let logs = LogCapture()
        let closedPort = try closedLoopbackPort()
        let descriptions = try await withScriptedServer(routes: { router in
            router.get("/ok") { _, _ in "fine" }
            router.get("/fail") { _, _ in Response(status: .serviceUnavailable) }
            router.post("/token") { _, _ in Response(status: .ok, headers: [.setCookie: "session=abc"]) }
            router.get("/slow") { _, _ -> Response in
                try await Task.sleep(for: .seconds(5))
                return Response(status: .ok)
            }
            router.get("/garbage") { [extraSecret] _, _ in "{\"token\": \"\(extraSecret)\", oops" }
        }) { base in
            var descriptions: [String] = []
            let client = makeTestClient(maxAttempts: 2, logger: logs.logger())
            let auth = HTTPHeaders([("Authorization", "Bearer \(bearer)")])
            let form = [("client_id", "gatehouse"), ("client_secret", clientSecret)]

            _ = try await client.send(.get("\(base)/ok?access_token=\(queryToken)&page=2", upstream: "looker", headers: auth))
            _ = try await client.send(.get("\(base)/fail", upstream: "looker", headers: auth))
            _ = try await client.send(.form("\(base)/token", upstream: "idp", fields: form, headers: auth))

            var failing: [HTTPRequest] = [
                .form("http://127.0.0.1:\(closedPort)/token", upstream: "idp", fields: form, headers: auth),
                .get("ftp://user:\(bearer)@127.0.0.1/x?token=\(queryToken)", upstream: "idp"),
                .get("\(base)/ok", upstream: "looker", headers: HTTPHeaders([("Authorization", "Bearer \(bearer)\r\nX: y")])),
            ]
            var slow = HTTPRequest.get("\(base)/slow?client_secret=\(queryToken)", upstream: "looker", headers: auth)
            slow.timeout = .milliseconds(300)
            failing.append(slow)
            for request in failing {
                do {
                    _ = try await client.send(request)
                    Issue.record("expected \(request.url) to fail")
                } catch let error as HTTPError {
                    descriptions.append(error.description)
                }
            }

            var garbage = HTTPRequest.get("\(base)/garbage", upstream: "looker", headers: auth)
            garbage.secrets = [extraSecret]
            struct Token: Decodable { var token: String }
            do {
                _ = try await client.send(garbage).decode(Token.self)
                Issue.record("expected the garbage body not to decode")
            } catch let error as HTTPError {
                descriptions.append(error.description)
            }
            return descriptions
        }

        let everything = logs.text + "\n" + descriptions.joined(separator: "\n")
        // The capture really saw the calls, so finding no secret below means something.
        #expect(descriptions.count == 5)
        #expect(logs.text.contains("/ok?access_token=[REDACTED]&page=2"))
        #expect(logs.text.contains("Authorization"))
        #expect(logs.count(of: "upstream responded") >= 4)
        #expect(logs.count(of: "upstream attempt failed") >= 3)
        for secret in [
            bearer, clientSecret, queryToken, extraSecret, FormEncoding.encode([("", clientSecret)]).dropFirst().description, "session=abc",
        ] {
            #expect(!everything.contains(secret), "found a secret in: \(everything)")
        }
    }
}
