import Crypto
import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseTesting
import Hummingbird
import Logging
import Testing

/// Runs routes on a Hummingbird server bound to 127.0.0.1 on an ephemeral port, hands `body`
/// the base URL, and stops the server when `body` returns.
func withOIDCTestServer<T: Sendable>(
    routes: (Router<BasicRequestContext>) -> Void,
    _ body: @Sendable (String) async throws -> T
) async throws -> T {
    let router = Router()
    routes(router)
    // Cancelling the server at the end of a test logs shutdown noise at error level; the tests
    // assert on HTTP answers, so only critical server logs are worth printing.
    var logger = Logger(label: "oidc-test-server")
    logger.logLevel = .critical
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        },
        logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService() }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try #require(port > 0)
        return try await body("http://127.0.0.1:\(port)")
    }
}

/// A parsed HTTP answer.
struct OIDCTestResponse: Sendable {
    var status: Int
    var headers: GatehouseHTTP.HTTPHeaders
    var body: Data

    /// The body as JSON (`.null` when it is not JSON).
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
    /// `json[key]` as a string.
    subscript(key: String) -> String? { json[key]?.stringValue }
    /// The `Location` header.
    var location: String? { headers["Location"] }
}

/// Real HTTP calls to the loopback server through Gatehouse's own client (no retries, so
/// request counters see exactly what the test sent).
struct OIDCTestHTTP: Sendable {
    let client = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))

    func get(_ url: String, headers: [(String, String)] = []) async throws -> OIDCTestResponse {
        try await send(GatehouseHTTP.HTTPRequest(method: .GET, url: url, headers: GatehouseHTTP.HTTPHeaders(headers), upstream: "sandbox"))
    }

    func postForm(_ url: String, _ fields: [(String, String)], headers: [(String, String)] = []) async throws -> OIDCTestResponse {
        let body = Data(FormEncoding.encode(fields).utf8)
        let all = headers + [("Content-Type", FormEncoding.contentType)]
        return try await send(
            GatehouseHTTP.HTTPRequest(method: .POST, url: url, headers: GatehouseHTTP.HTTPHeaders(all), body: body, upstream: "sandbox"))
    }

    func postJSON(_ url: String, _ json: JSONValue, headers: [(String, String)] = []) async throws -> OIDCTestResponse {
        let all = headers + [("Content-Type", "application/json")]
        return try await send(
            GatehouseHTTP.HTTPRequest(
                method: .POST, url: url, headers: GatehouseHTTP.HTTPHeaders(all), body: json.canonicalData(), upstream: "sandbox"))
    }

    private func send(_ request: GatehouseHTTP.HTTPRequest) async throws -> OIDCTestResponse {
        let response = try await client.send(request)
        return OIDCTestResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// Values every OIDC test uses.
enum OIDCFixture {
    static let users = [
        SandboxUser(subject: "alice", email: "alice@example.com", name: "Alice", groups: ["team-a", "data-eng"]),
        SandboxUser(subject: "bob", email: "bob@example.com", name: "Bob", groups: ["team-b"]),
    ]
    static let redirectURI = "http://127.0.0.1:53682/callback"
    static let verifier = "dBjftJeZ4CVP-mJ92K9RzWd1vuoixX4rTJWWSq-3i0b5Gk"

    static func challenge(_ verifier: String = verifier) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The query items of a redirect `Location`.
    static func query(of location: String?) -> [String: String] {
        let items = location.flatMap { URLComponents(string: $0)?.queryItems } ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
    }

    /// `GET /authorize` with PKCE for the public client `gatehouse`; returns the redirect's query.
    static func authorize(
        _ http: OIDCTestHTTP, _ base: String, challenge: String? = challenge(), method: String = "S256",
        scope: String = "openid email profile", nonce: String = "n-0S6_WzA2Mj"
    ) async throws -> [String: String] {
        var items = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: "gatehouse"),
            URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "scope", value: scope),
            URLQueryItem(name: "state", value: "xyz"), URLQueryItem(name: "nonce", value: nonce),
        ]
        if let challenge {
            items += [URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: method)]
        }
        var components = URLComponents(string: base + "/authorize")!
        components.queryItems = items
        let response = try await http.get(components.string!)
        #expect(response.status == 302)
        return query(of: response.location)
    }

    /// Redeems an authorization code at `/token`.
    static func redeem(_ http: OIDCTestHTTP, _ base: String, code: String, verifier: String = verifier) async throws -> OIDCTestResponse {
        try await http.postForm(
            base + "/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("client_id", "gatehouse"), ("code_verifier", verifier),
            ])
    }

    /// A full sign-in (auto-approved authorize + code redemption); returns the token response.
    static func signIn(_ http: OIDCTestHTTP, _ base: String) async throws -> OIDCTestResponse {
        let redirect = try await authorize(http, base)
        let code = try #require(redirect["code"])
        let tokens = try await redeem(http, base, code: code)
        #expect(tokens.status == 200)
        return tokens
    }
}
