import Foundation
import GatehouseCore
import Hummingbird
import Synchronization

/// The Looker API 4.0 stand-in under `/api/4.0`: login (API3 credentials), sudo login, logout,
/// dashboards with per-user folder visibility, query runs (json, json_bi, csv, txt) and SSO embed URLs.
///
/// Credentials: the admin API user (`adminClientId`/`adminClientSecret`, Looker user 1) and one
/// pair per sandbox user with a `lookerUserId` (`<subject>-client-id` / `<subject>-client-secret`).
public final class LookerSandbox: Sendable {
    /// The admin API client id.
    public let adminClientId: String
    /// The admin API client secret.
    public let adminClientSecret: String
    /// Access token lifetime in seconds.
    public let tokenLifetime: Int
    let clock: SandboxClock
    let catalog: LookerCatalog
    let credentials: [String: (secret: String, userId: String)]
    let spec: JSONValue?
    private let sessions = Mutex<[String: Session]>([:])

    struct Session {
        var userId: String
        var expiresAt: Date
    }

    /// A Looker stand-in for `users`; `spec` is the parsed `Looker.4.0.oas.json` used for strict checks.
    public init(
        clock: SandboxClock, users: [SandboxUser], spec: JSONValue?, adminClientId: String = "looker-admin-id",
        adminClientSecret: String = "looker-admin-secret", tokenLifetime: Int = 3600
    ) {
        self.clock = clock
        self.spec = spec
        self.adminClientId = adminClientId
        self.adminClientSecret = adminClientSecret
        self.tokenLifetime = tokenLifetime
        self.catalog = LookerCatalog.seed(users: users)
        var credentials: [String: (secret: String, userId: String)] = [adminClientId: (adminClientSecret, "1")]
        for user in users {
            if let id = user.lookerUserId { credentials["\(user.subject)-client-id"] = ("\(user.subject)-client-secret", id) }
        }
        self.credentials = credentials
    }

    /// Forgets every session, as if all tokens had expired.
    public func expireAllSessions() { sessions.withLock { $0.removeAll() } }

    /// Adds the Looker routes to `router`.
    public func addRoutes(to router: Router<SandboxRequestContext>) {
        let api = router.group("api/4.0")
        api.post("login") { request, _ in try await self.login(request) }
        api.post("login/{user_id}") { request, context in try self.sudo(request, context) }
        api.delete("logout") { request, _ in try self.logout(request) }
        api.get("dashboards/{dashboard_id}") { request, context in try self.dashboard(request, context) }
        api.get("queries/{query_id}/run/{result_format}") { request, context in try self.runQuery(request, context) }
        api.post("embed/sso_url") { request, _ in try await self.ssoURL(request) }
    }

    private func checkQuery(_ request: Request, path: String, method: String) throws(SandboxHTTPError) {
        try QueryParameterRules.openAPI(spec, path: path, method: method)?.check(request.sandboxQueryItems)
    }

    private func issue(for userId: String) -> JSONValue {
        let token = RandomText.token()
        let expiresAt = clock.now.addingTimeInterval(TimeInterval(tokenLifetime))
        sessions.withLock { $0[token] = Session(userId: userId, expiresAt: expiresAt) }
        return ["access_token": .string(token), "token_type": "Bearer", "expires_in": .int(Int64(tokenLifetime)), "refresh_token": .null]
    }

    /// The signed-in user of the request (`Authorization: token <t>` or `Bearer <t>`).
    private func user(_ request: Request) throws(SandboxHTTPError) -> (token: String, user: LookerCatalog.User) {
        guard let (scheme, token) = request.authorizationCredentials else { throw .unauthorized("Requires authentication.") }
        guard scheme == "token" || scheme == "bearer" else {
            throw .badRequest("Invalid Authorization header: use 'token <access_token>' (or 'Bearer <access_token>').")
        }
        let now = clock.now
        guard let session = sessions.withLock({ $0[token] }), session.expiresAt > now, let user = catalog.users[session.userId] else {
            throw .unauthorized("Requires authentication.")
        }
        return (token, user)
    }

    private func login(_ request: Request) async throws -> Response {
        try checkQuery(request, path: "/login", method: "post")
        let body = try await JSONResponse.body(of: request)
        var fields = Dictionary(request.sandboxQueryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        if !body.isEmpty {
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
                throw SandboxHTTPError.badRequest("POST /login takes an application/x-www-form-urlencoded body with client_id and client_secret.")
            }
            let form = JSONResponse.formFields(String(decoding: body, as: UTF8.self))
            if let unknown = form.keys.first(where: { !["client_id", "client_secret"].contains($0) }) {
                throw SandboxHTTPError.badRequest("Unknown form field '\(unknown)': POST /login takes client_id and client_secret.")
            }
            fields.merge(form) { _, form in form }
        }
        guard let clientId = fields["client_id"], let secret = fields["client_secret"], !clientId.isEmpty, !secret.isEmpty else {
            throw SandboxHTTPError.badRequest("client_id and client_secret are required.")
        }
        guard let known = credentials[clientId], known.secret == secret else { throw SandboxHTTPError.notFound("Not found") }
        return JSONResponse.make(issue(for: known.userId))
    }

    private func sudo(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/login/{user_id}", method: "post")
        let (_, caller) = try user(request)
        guard caller.isAdmin else { throw SandboxHTTPError.forbidden("Only admin API users may log in as another user.") }
        let userId = context.parameters.get("user_id") ?? ""
        guard catalog.users[userId] != nil else { throw SandboxHTTPError.notFound("Not found") }
        return JSONResponse.make(issue(for: userId))
    }

    private func logout(_ request: Request) throws -> Response {
        let (token, _) = try user(request)
        sessions.withLock { $0[token] = nil }
        return Response(status: .noContent)
    }

    private func dashboard(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/dashboards/{dashboard_id}", method: "get")
        let (_, user) = try user(request)
        let id = context.parameters.get("dashboard_id") ?? ""
        // Looker answers 404 for content in folders the user cannot see, so its existence is not revealed.
        guard let dashboard = catalog.dashboards[id], user.folderIds.contains(dashboard.folderId) else { throw SandboxHTTPError.notFound("Not found") }
        var resource = catalog.resource(dashboard, baseURL: "")
        if let fields = request.sandboxQueryItems.last(where: { $0.name == "fields" })?.value {
            resource = resource.projected(onto: fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return JSONResponse.make(resource)
    }

    private func runQuery(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/queries/{query_id}/run/{result_format}", method: "get")
        let (_, user) = try user(request)
        let queryId = context.parameters.get("query_id") ?? ""
        let format = context.parameters.get("result_format") ?? ""
        guard let dashboard = catalog.dashboard(ofQuery: queryId) else { throw SandboxHTTPError.notFound("Not found") }
        guard user.folderIds.contains(dashboard.folderId) else {
            throw SandboxHTTPError.forbidden("You do not have access to the model '\(dashboard.model)' of query \(queryId).")
        }
        let limit = request.sandboxQueryItems.last { $0.name == "limit" }.flatMap { Int($0.value) } ?? 500
        let rows = catalog.rows(ofQuery: queryId, limit: limit)
        switch format {
        case "json":
            return JSONResponse.make(.array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: row.map { ($0.field, $0.value) })) }))
        case "json_bi":
            let fields = rows.first?.map(\.field) ?? []
            return JSONResponse.make([
                "metadata": ["fields": ["dimensions": .array(fields.map { ["name": .string($0)] })]],
                "rows": .array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: row.map { ($0.field, ["value": $0.value]) })) }),
            ])
        case "csv", "txt":
            let separator = format == "csv" ? "," : "\t"
            let header = (rows.first?.map(\.field) ?? []).joined(separator: separator)
            let lines = rows.map { row in row.map { $0.value.stringValue ?? $0.value.canonicalString }.joined(separator: separator) }
            return JSONResponse.text(([header] + lines).joined(separator: "\n") + "\n", contentType: format == "csv" ? "text/csv" : "text/plain")
        case "json_detail", "html", "md", "xlsx", "sql", "png", "jpg":
            throw SandboxHTTPError.badRequest("The sandbox does not render result_format '\(format)'; use json, json_bi, csv or txt.")
        default:
            throw SandboxHTTPError.badRequest("Unknown result_format '\(format)'.")
        }
    }

    private func ssoURL(_ request: Request) async throws -> Response {
        let (_, user) = try user(request)
        guard user.isAdmin else { throw SandboxHTTPError.forbidden("Only admin API users may create SSO embed URLs.") }
        let body = try await JSONResponse.jsonBody(of: request)
        try OpenAPIBodyRules(spec: spec, schema: "EmbedSsoParams")?.check(body)
        guard let target = body["target_url"]?.stringValue, let targetURL = URL(string: target), targetURL.scheme != nil,
            targetURL.path.hasPrefix("/embed/")
        else {
            throw SandboxHTTPError.badRequest("target_url is required and must be a full Looker embed URL such as https://host/embed/dashboards/12.")
        }
        // The Host header is client input: parse it leniently (nil on junk) rather than assigning it to a URL field that traps.
        var components = URLComponents(string: "http://\(request.head.authority ?? "")") ?? URLComponents()
        if components.host?.isEmpty ?? true {
            components = URLComponents()
            components.scheme = "http"
            components.host = "127.0.0.1"
        }
        components.percentEncodedPath = "/login/embed/" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        components.queryItems = [
            URLQueryItem(name: "nonce", value: RandomText.token(bytes: 8)),
            URLQueryItem(name: "time", value: String(Int(clock.now.timeIntervalSince1970))),
            URLQueryItem(name: "session_length", value: String(body["session_length"]?.intValue ?? 300)),
            URLQueryItem(name: "external_user_id", value: body["external_user_id"]?.stringValue ?? ""),
            URLQueryItem(name: "signature", value: RandomText.token(bytes: 16)),
        ]
        return JSONResponse.make(["url": .string(components.string ?? "")])
    }
}
