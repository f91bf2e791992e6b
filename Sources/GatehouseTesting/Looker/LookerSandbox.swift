import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Synchronization

/// The Looker API 4.0 stand-in under `/api/4.0`, as the official `looker-sdk` drives it: login
/// (API3 credentials), sudo (`login_user`), logout (also the unversioned `DELETE /api/logout`),
/// `me`, users and their `credentials_api3`, user attributes, groups, dashboards and their
/// elements (with Looker's nested `fields` selection), stored and inline queries run in every
/// listed `result_format` with access filters applied from the user's attributes, embed users
/// created by SSO embed URLs and cookieless sessions, and a System Activity `history`.
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
    let directory: LookerDirectory
    let history = LookerHistory()
    let spec: JSONValue?
    private let sessions = Mutex<[String: Session]>([:])
    private let inlineQueries = Mutex<InlineQueries>(InlineQueries())

    struct Session {
        var userId: String
        var expiresAt: Date
        /// The cookieless embed session that issued this token, if any.
        var embedSession: String?
    }

    /// Queries created by `create_query` / `run_inline_query`, by id; identical bodies share one id, as in Looker.
    private struct InlineQueries {
        var byId: [String: SandboxQuery] = [:]
        var byKey: [String: String] = [:]
        var nextId = 100_001
    }

    /// A query as the sandbox runs it.
    struct SandboxQuery: Sendable {
        var id: String
        var slug: String
        var model: String
        var view: String
        var fields: [String]
        var filters: [String: String]
        var sorts: [String]
        var limit: Int?
        /// Varies the counts of dashboard queries' rows.
        var seed: Int
        /// The dashboard whose tile this query is.
        var dashboardId: String?

        var json: JSONValue {
            [
                "id": .string(id), "model": .string(model), "view": .string(view), "fields": .array(fields.map(JSONValue.string)),
                "filters": .object(filters.mapValues(JSONValue.string)), "sorts": .array(sorts.map(JSONValue.string)),
                "limit": limit.map { .string(String($0)) } ?? .null, "client_id": .string("sandbox\(id)"), "slug": .string(slug),
                "pivots": .null, "fill_fields": [], "total": false, "row_total": .null,
                "vis_config": dashboardId == nil ? .null : ["type": .string(LookerCatalog.visualization(ofQuery: id))], "filter_config": .null,
                "has_table_calculations": false, "url": .string("/explore/\(model)/\(view)?qid=\(slug)"),
                "share_url": .string("/x/\(slug)"), "expanded_share_url": .null, "query_timezone": .null, "can": [:],
            ]
        }
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
        self.catalog = LookerCatalog.seed()
        self.directory = LookerDirectory(
            users: users, allFolders: Array(catalog.folders.keys), adminClientId: adminClientId, adminClientSecret: adminClientSecret, now: clock.now)
    }

    /// Forgets every session, as if all tokens had expired.
    public func expireAllSessions() { sessions.withLock { $0.removeAll() } }

    /// Whether this `credentials_api3` client id still exists (a rotated-out pair must not).
    public func hasCredential(clientId: String) -> Bool { directory.hasCredential(clientId: clientId) }

    /// Every `credentials_api3` secret this Looker ever issued, deleted pairs included.
    public var issuedSecrets: [String] { directory.issuedSecrets }

    /// Whether this client id and secret log in now.
    public func credentialsLogIn(clientId: String, secret: String) -> Bool { directory.login(clientId: clientId, secret: secret) != nil }

    /// Makes creating `credentials_api3` fail with 422 and `reason` (nil: allow again), as when an account is at its limit.
    public func refuseNewCredentials(_ reason: String?) { directory.refuseNewCredentials(reason) }

    /// The embed user for an `external_user_id`: its id and user attribute values (tests).
    public func embedUser(external id: String) -> (id: String, attributes: [String: String], groupIds: [String])? {
        directory.embedUser(external: id).map { ($0.id, $0.attributes, $0.groupIds) }
    }

    /// The Looker user a live access token acts as (tests: whose token a caller was given).
    public func userId(ofToken token: String) -> String? {
        let now = clock.now
        return sessions.withLock { $0[token] }.flatMap { $0.expiresAt > now ? $0.userId : nil }
    }

    /// Adds the Looker routes to `router`.
    public func addRoutes(to router: Router<SandboxRequestContext>) {
        // The SDK's `auth.logout()` uses the unversioned path.
        router.delete("api/logout") { request, _ in try self.logout(request) }
        let api = router.group("api/4.0")
        api.post("login") { request, _ in try await self.login(request) }
        api.post("login/{user_id}") { request, context in try self.sudo(request, context) }
        api.delete("logout") { request, _ in try self.logout(request) }
        api.get("versions") { request, _ in try self.versions(request) }
        api.get("user") { request, _ in try self.me(request) }
        api.get("users/{user_id}") { request, context in try self.userById(request, context) }
        api.get("users/credential/{credential_type}/{credential_id}") { request, context in try self.userForCredential(request, context) }
        api.get("users/{user_id}/credentials_api3") { request, context in try self.listCredentials(request, context) }
        api.post("users/{user_id}/credentials_api3") { request, context in try self.createCredential(request, context) }
        api.get("users/{user_id}/credentials_api3/{credentials_api3_id}") { request, context in try self.credential(request, context) }
        api.delete("users/{user_id}/credentials_api3/{credentials_api3_id}") { request, context in try self.deleteCredential(request, context) }
        api.get("users/{user_id}/attribute_values") { request, context in try self.attributeValues(request, context) }
        api.get("user_attributes") { request, _ in try self.userAttributes(request) }
        api.get("groups") { request, _ in try self.groups(request) }
        api.get("dashboards") { request, _ in try self.allDashboards(request) }
        api.get("dashboards/{dashboard_id}") { request, context in try self.dashboard(request, context) }
        api.get("dashboards/{dashboard_id}/dashboard_elements") { request, context in try self.dashboardElements(request, context) }
        api.get("queries/{query_id}") { request, context in try self.query(request, context) }
        api.post("queries") { request, _ in try await self.createQuery(request) }
        api.get("queries/{query_id}/run/{result_format}") { request, context in try self.runQuery(request, context) }
        api.post("queries/run/{result_format}") { request, context in try await self.runInlineQuery(request, context) }
        api.post("embed/sso_url") { request, _ in try await self.ssoURL(request) }
        api.post("embed/cookieless_session/acquire") { request, _ in try await self.acquireCookieless(request) }
        api.delete("embed/cookieless_session/{session_reference_token}") { request, context in try self.endCookieless(request, context) }
    }

    private func checkQuery(_ request: Request, path: String, method: String) throws(SandboxHTTPError) {
        try QueryParameterRules.openAPI(spec, path: path, method: method)?.check(request.sandboxQueryItems)
    }

    private func respond(_ value: JSONValue, _ request: Request) throws(SandboxHTTPError) -> Response {
        JSONResponse.make(try value.projected(by: request.lastQueryValue("fields")))
    }

    private func issue(for userId: String, embedSession: String? = nil) -> JSONValue {
        let token = RandomText.token()
        let expiresAt = clock.now.addingTimeInterval(TimeInterval(tokenLifetime))
        sessions.withLock { $0[token] = Session(userId: userId, expiresAt: expiresAt, embedSession: embedSession) }
        return ["access_token": .string(token), "token_type": "Bearer", "expires_in": .int(Int64(tokenLifetime)), "refresh_token": .null]
    }

    /// The signed-in user of the request (`Authorization: token <t>` or `Bearer <t>`).
    private func user(_ request: Request) throws(SandboxHTTPError) -> (token: String, user: LookerDirectory.User) {
        guard let (scheme, token) = request.authorizationCredentials else { throw .unauthorized("Requires authentication.") }
        guard scheme == "token" || scheme == "bearer" else {
            throw .badRequest("Invalid Authorization header: use 'token <access_token>' (or 'Bearer <access_token>').")
        }
        let now = clock.now
        guard let session = sessions.withLock({ $0[token] }), session.expiresAt > now, let user = directory.user(session.userId) else {
            throw .unauthorized("Requires authentication.")
        }
        return (token, user)
    }

    private func admin(_ request: Request, to action: String) throws(SandboxHTTPError) -> LookerDirectory.User {
        let (_, caller) = try user(request)
        guard caller.isAdmin else { throw .forbidden("Only admin API users may \(action).") }
        return caller
    }

    /// The path's user, which the caller must be or administer.
    private func ownOrAdministered(_ request: Request, _ context: SandboxRequestContext) throws(SandboxHTTPError) -> LookerDirectory.User {
        let (_, caller) = try user(request)
        let id = context.parameters.get("user_id") ?? ""
        guard caller.isAdmin || caller.id == id else { throw .forbidden("You may only see your own user.") }
        guard let target = directory.user(id) else { throw .notFound("Not found") }
        return target
    }

    // MARK: sessions

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
        guard let userId = directory.login(clientId: clientId, secret: secret) else { throw SandboxHTTPError.notFound("Not found") }
        return JSONResponse.make(issue(for: userId))
    }

    private func sudo(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/login/{user_id}", method: "post")
        _ = try admin(request, to: "log in as another user")
        let userId = context.parameters.get("user_id") ?? ""
        guard let target = directory.user(userId) else { throw SandboxHTTPError.notFound("Not found") }
        guard !target.isAdmin else { throw SandboxHTTPError.forbidden("Cannot log in as another admin user.") }
        return JSONResponse.make(issue(for: userId))
    }

    private func logout(_ request: Request) throws -> Response {
        let (token, _) = try user(request)
        sessions.withLock { $0[token] = nil }
        return Response(status: .noContent)
    }

    // MARK: users

    /// `GET /versions`: as on a real instance, answered without signing in.
    private func versions(_ request: Request) throws -> Response {
        try checkQuery(request, path: "/versions", method: "get")
        let current: JSONValue = ["version": "4.0", "full_version": "4.0.26.12", "status": "current", "swagger_url": "/api/4.0/swagger.json"]
        return try respond(["looker_release_version": "26.12.0", "current_version": current, "supported_versions": [current]], request)
    }

    private func me(_ request: Request) throws -> Response {
        try checkQuery(request, path: "/user", method: "get")
        let (_, user) = try user(request)
        return try respond(directory.json(user), request)
    }

    private func userById(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/{user_id}", method: "get")
        return try respond(directory.json(try ownOrAdministered(request, context)), request)
    }

    private func userForCredential(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/credential/{credential_type}/{credential_id}", method: "get")
        _ = try admin(request, to: "look users up by credential")
        let id = context.parameters.get("credential_id") ?? ""
        let found: LookerDirectory.User? =
            switch context.parameters.get("credential_type") ?? "" {
            case "embed": directory.embedUser(external: id)
            case "api3": directory.user(clientId: id)
            default: nil
            }
        guard let found else { throw SandboxHTTPError.notFound("Not found") }
        return try respond(directory.json(found), request)
    }

    private func listCredentials(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/{user_id}/credentials_api3", method: "get")
        let target = try ownOrAdministered(request, context)
        return try respond(.array(directory.credentials(ofUser: target.id).map { LookerDirectory.json($0, includeSecret: false) }), request)
    }

    private func createCredential(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/{user_id}/credentials_api3", method: "post")
        let target = try ownOrAdministered(request, context)
        guard !target.isEmbed else { throw SandboxHTTPError(.unprocessableContent, "Embed users cannot have API credentials.") }
        switch directory.createCredential(userId: target.id, now: clock.now) {
        case .success(let credential): return try respond(LookerDirectory.json(credential, includeSecret: true), request)
        case .failure(let error): throw error
        }
    }

    private func credential(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/{user_id}/credentials_api3/{credentials_api3_id}", method: "get")
        let target = try ownOrAdministered(request, context)
        let id = context.parameters.get("credentials_api3_id") ?? ""
        guard let found = directory.credentials(ofUser: target.id).first(where: { $0.id == id }) else { throw SandboxHTTPError.notFound("Not found") }
        return try respond(LookerDirectory.json(found, includeSecret: false), request)
    }

    private func deleteCredential(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let target = try ownOrAdministered(request, context)
        guard directory.deleteCredential(userId: target.id, credentialId: context.parameters.get("credentials_api3_id") ?? "") else {
            throw SandboxHTTPError.notFound("Not found")
        }
        return Response(status: .noContent)
    }

    private func attributeValues(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/users/{user_id}/attribute_values", method: "get")
        let target = try ownOrAdministered(request, context)
        let values: [JSONValue] = LookerDirectory.attributes.compactMap { attribute in
            let value = target.attributes[attribute.name]
            return [
                "name": .string(attribute.name), "label": .string(attribute.label), "rank": .int(value == nil ? 9 : 1),
                "value": .string(value ?? attribute.defaultValue), "user_id": .string(target.id), "user_can_edit": false,
                "value_is_hidden": false, "user_attribute_id": .string(attribute.id), "source": .string(value == nil ? "Default" : "User"),
                "hidden_value_domain_whitelist": .null, "can": [:],
            ]
        }
        return try respond(.array(values), request)
    }

    private func userAttributes(_ request: Request) throws -> Response {
        try checkQuery(request, path: "/user_attributes", method: "get")
        _ = try user(request)
        return try respond(
            .array(
                LookerDirectory.attributes.map { attribute in
                    [
                        "id": .string(attribute.id), "name": .string(attribute.name), "label": .string(attribute.label),
                        "type": "advanced_filter_string",
                        "default_value": .string(attribute.defaultValue), "is_system": false, "is_permanent": false, "value_is_hidden": false,
                        "user_can_view": true, "user_can_edit": false, "hidden_value_domain_whitelist": .null, "can": [:],
                    ]
                }), request)
    }

    private func groups(_ request: Request) throws -> Response {
        try checkQuery(request, path: "/groups", method: "get")
        _ = try user(request)
        return try respond(
            .array(
                LookerDirectory.groups.map { group in
                    ["id": .string(group.id), "name": .string(group.name), "user_count": .null, "externally_managed": false, "can": [:]]
                }), request)
    }

    // MARK: dashboards

    private func visibleDashboard(_ request: Request, _ context: SandboxRequestContext) throws(SandboxHTTPError) -> LookerCatalog.Dashboard {
        let (_, user) = try user(request)
        let id = context.parameters.get("dashboard_id") ?? ""
        // Looker answers 404 for content in folders the user cannot see, so its existence is not revealed.
        guard let dashboard = catalog.dashboards[id], user.folderIds.contains(dashboard.folderId) else { throw .notFound("Not found") }
        return dashboard
    }

    private func allDashboards(_ request: Request) throws -> Response {
        try checkQuery(request, path: "/dashboards", method: "get")
        let (_, user) = try user(request)
        let visible = catalog.dashboards.values.filter { user.folderIds.contains($0.folderId) }.sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
        let base: [JSONValue] = visible.map { dashboard in
            let full = catalog.resource(dashboard, baseURL: "")
            var members = full.objectValue ?? [:]
            for key in ["dashboard_elements", "dashboard_filters", "created_at", "updated_at", "url", "edit_uri", "deleted", "folder_id"] {
                members[key] = nil
            }
            return .object(members)
        }
        return try respond(.array(base), request)
    }

    private func dashboard(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/dashboards/{dashboard_id}", method: "get")
        return try respond(catalog.resource(try visibleDashboard(request, context), baseURL: ""), request)
    }

    private func dashboardElements(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/dashboards/{dashboard_id}/dashboard_elements", method: "get")
        let resource = catalog.resource(try visibleDashboard(request, context), baseURL: "")
        return try respond(resource["dashboard_elements"] ?? [], request)
    }

    // MARK: queries

    /// A stored query: a dashboard tile's, or one created by `create_query` / `run_inline_query`.
    private func storedQuery(_ id: String) -> SandboxQuery? {
        if let dashboard = catalog.dashboard(ofQuery: id), let seed = Int(id) {
            return SandboxQuery(
                id: id, slug: "q\(id)", model: dashboard.model, view: dashboard.view, fields: LookerCatalog.tileFields(dashboard.view), filters: [:],
                sorts: ["\(dashboard.view).count desc"], limit: 500, seed: seed, dashboardId: dashboard.id)
        }
        return inlineQueries.withLock { $0.byId[id] }
    }

    /// Stores a `Query` body (an identical one reuses its id).
    private func store(_ body: JSONValue) throws(SandboxHTTPError) -> SandboxQuery {
        try OpenAPIBodyRules(spec: spec, schema: "Query")?.check(body)
        guard let model = body["model"]?.stringValue, let view = body["view"]?.stringValue, !model.isEmpty, !view.isEmpty else {
            throw .badRequest("A query needs model and view.")
        }
        let fields = (body["fields"]?.arrayValue ?? []).compactMap(\.stringValue)
        var filters: [String: String] = [:]
        for (name, value) in body["filters"]?.objectValue ?? [:] { filters[name] = value.stringValue ?? value.canonicalString }
        let sorts = (body["sorts"]?.arrayValue ?? []).compactMap(\.stringValue)
        let limitText = body["limit"]?.stringValue ?? body["limit"]?.intValue.map(String.init)
        var limit: Int?
        if let limitText {
            guard let parsed = Int(limitText), parsed >= -1 else { throw .badRequest("limit must be a whole number, got '\(limitText)'.") }
            limit = parsed
        }
        let key = JSONResponse.encode([
            "model": .string(model), "view": .string(view), "fields": .array(fields.map(JSONValue.string)),
            "filters": .object(filters.mapValues(JSONValue.string)), "sorts": .array(sorts.map(JSONValue.string)),
            "limit": limit.map { .int(Int64($0)) } ?? .null,
        ])
        return inlineQueries.withLock { queries in
            let keyText = String(decoding: key, as: UTF8.self)
            if let id = queries.byKey[keyText], let existing = queries.byId[id] { return existing }
            let id = String(queries.nextId)
            queries.nextId += 1
            let query = SandboxQuery(
                id: id, slug: RandomText.token(bytes: 5), model: model, view: view, fields: fields, filters: filters, sorts: sorts, limit: limit,
                seed: view.unicodeScalars.reduce(0) { $0 + Int($1.value) }, dashboardId: nil)
            queries.byId[id] = query
            queries.byKey[keyText] = id
            return query
        }
    }

    private func query(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/queries/{query_id}", method: "get")
        _ = try user(request)
        guard let query = storedQuery(context.parameters.get("query_id") ?? "") else { throw SandboxHTTPError.notFound("Not found") }
        return try respond(query.json, request)
    }

    private func createQuery(_ request: Request) async throws -> Response {
        try checkQuery(request, path: "/queries", method: "post")
        _ = try user(request)
        return try respond(try store(try await JSONResponse.jsonBody(of: request)).json, request)
    }

    private func runQuery(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try checkQuery(request, path: "/queries/{query_id}/run/{result_format}", method: "get")
        let (_, user) = try user(request)
        let queryId = context.parameters.get("query_id") ?? ""
        guard let query = storedQuery(queryId) else { throw SandboxHTTPError.notFound("Not found") }
        if let dashboard = query.dashboardId.flatMap({ catalog.dashboards[$0] }), !user.folderIds.contains(dashboard.folderId) {
            throw SandboxHTTPError.forbidden("You do not have access to the model '\(dashboard.model)' of query \(queryId).")
        }
        return try run(query, as: user, format: context.parameters.get("result_format") ?? "", request)
    }

    private func runInlineQuery(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        try checkQuery(request, path: "/queries/run/{result_format}", method: "post")
        let (_, user) = try user(request)
        let query = try store(try await JSONResponse.jsonBody(of: request))
        return try run(query, as: user, format: context.parameters.get("result_format") ?? "", request)
    }

    /// Runs `query` as `user`: model access, access filters, the query's own filters, the limit; records the run in history.
    private func run(_ query: SandboxQuery, as user: LookerDirectory.User, format: String, _ request: Request) throws(SandboxHTTPError) -> Response {
        guard LookerResultFormat.all.contains(format) else {
            throw .badRequest("Unknown result_format '\(format)'; use one of \(LookerResultFormat.all.joined(separator: ", ")).")
        }
        guard user.isAdmin || user.permissions.contains("access_data") else { throw .forbidden("You do not have the access_data permission.") }
        var rows: [[String: JSONValue]]
        let known: [String]
        if query.model == "system__activity" {
            guard user.permissions.contains("see_system_activity") else {
                throw .forbidden("You do not have access to the model 'system__activity'.")
            }
            guard query.view == "history" else { throw .notFound("The sandbox's System Activity has the 'history' explore only.") }
            rows = history.rows()
            known = LookerHistory.fields
        } else {
            guard catalog.model(ofView: query.view) == query.model else { throw .notFound("No explore '\(query.view)' in model '\(query.model)'.") }
            if let models = user.models, !models.contains(query.model) {
                throw .forbidden("You do not have access to the model '\(query.model)'.")
            }
            rows = LookerCatalog.rows(ofView: query.view, seed: query.seed)
            known = LookerCatalog.fields(ofView: query.view)
            if let filter = LookerCatalog.accessFilters[query.view] {
                let value = directory.attributeValue(filter.attribute, of: user)
                if !value.contains("%") {
                    let allowed = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    rows = rows.filter { allowed.contains($0[filter.field]?.stringValue ?? "") }
                }
            }
        }
        let fields = query.fields.isEmpty ? known : query.fields
        if let unknown = (fields + query.filters.keys).first(where: { !known.contains($0) }) {
            throw .badRequest("Unknown field '\(unknown)' in explore '\(query.view)'.")
        }
        for (field, expression) in query.filters {
            let wanted = Set(expression.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            rows = rows.filter { row in
                guard let value = row[field] else { return false }
                return wanted.contains(value.stringValue ?? value.canonicalString)
            }
        }
        var limit = query.limit ?? 500
        if let text = request.lastQueryValue("limit") {
            guard let parsed = Int(text) else { throw .badRequest("limit must be an integer, got '\(text)'.") }
            limit = parsed
        }
        if limit >= 0 { rows = Array(rows.prefix(limit)) }
        if query.model != "system__activity" {
            history.record(
                LookerHistory.Entry(
                    id: 0, createdAt: clock.now, source: "api", status: "complete", queryId: query.id, slug: query.slug, model: query.model,
                    view: query.view, userId: user.id, userName: user.displayName, userEmail: user.email))
        }
        let sql = LookerResultFormat.sql(model: query.model, view: query.view, fields: fields, filters: query.filters, limit: limit)
        return try LookerResultFormat.response(
            format, LookerResultFormat.Result(queryId: query.id, model: query.model, view: query.view, fields: fields, rows: rows, sql: sql))
    }

    // MARK: embedding

    private func ssoURL(_ request: Request) async throws -> Response {
        _ = try admin(request, to: "create SSO embed URLs")
        let body = try await JSONResponse.jsonBody(of: request)
        try OpenAPIBodyRules(spec: spec, schema: "EmbedSsoParams")?.check(body)
        // The spec's form is the Looker UI page (`https://host/dashboards/34`); the embed form (`/embed/dashboards/34`) is accepted too.
        guard let target = body["target_url"]?.stringValue, let targetURL = URLComponents(string: target), targetURL.scheme != nil,
            !(targetURL.host ?? "").isEmpty, targetURL.path.hasPrefix("/")
        else {
            throw SandboxHTTPError.badRequest("target_url is required and must be a full Looker URL such as https://host/dashboards/12.")
        }
        let embedPath = targetURL.path.hasPrefix("/embed/") ? targetURL.path : "/embed" + targetURL.path
        guard ["/embed/dashboards/", "/embed/looks/", "/embed/explore/"].contains(where: embedPath.hasPrefix) else {
            throw SandboxHTTPError.badRequest("target_url must name a dashboard, look or explore, e.g. https://host/dashboards/12.")
        }
        let user = try directory.upsertEmbedUser(body)
        // The Host header is client input: parse it leniently (nil on junk) rather than assigning it to a URL field that traps.
        var components = URLComponents(string: "http://\(request.head.authority ?? "")") ?? URLComponents()
        if components.host?.isEmpty ?? true {
            components = URLComponents()
            components.scheme = "http"
            components.host = "127.0.0.1"
        }
        let embedTarget = embedPath + (targetURL.percentEncodedQuery.map { "?" + $0 } ?? "")
        components.percentEncodedPath = "/login/embed/" + (embedTarget.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        func json(_ value: JSONValue?) -> String { String(decoding: JSONResponse.encode(value ?? .null), as: UTF8.self) }
        components.queryItems = [
            URLQueryItem(name: "nonce", value: RandomText.token(bytes: 8)),
            URLQueryItem(name: "time", value: String(Int(clock.now.timeIntervalSince1970))),
            URLQueryItem(name: "session_length", value: String(body["session_length"]?.intValue ?? 300)),
            URLQueryItem(name: "external_user_id", value: json(.string(user.externalUserId ?? ""))),
            URLQueryItem(name: "permissions", value: json(body["permissions"])),
            URLQueryItem(name: "models", value: json(body["models"])),
            URLQueryItem(name: "group_ids", value: json(body["group_ids"])),
            URLQueryItem(name: "user_attributes", value: json(body["user_attributes"])),
            URLQueryItem(name: "signature", value: RandomText.token(bytes: 16)),
        ]
        return JSONResponse.make(["url": .string(components.string ?? "")])
    }

    private func acquireCookieless(_ request: Request) async throws -> Response {
        _ = try admin(request, to: "acquire embed sessions")
        let body = try await JSONResponse.jsonBody(of: request)
        try OpenAPIBodyRules(spec: spec, schema: "EmbedCookielessSessionAcquire")?.check(body)
        let user = try directory.upsertEmbedUser(body)
        let reference = RandomText.token()
        let api = issue(for: user.id, embedSession: reference)
        let ttl = JSONValue.int(Int64(tokenLifetime))
        return JSONResponse.make([
            "authentication_token": .string(RandomText.token()), "authentication_token_ttl": 30,
            "navigation_token": .string(RandomText.token()), "navigation_token_ttl": ttl,
            "api_token": api["access_token"] ?? .null, "api_token_ttl": ttl,
            "session_reference_token": .string(reference), "session_reference_token_ttl": .int(Int64(body["session_length"]?.intValue ?? 300)),
        ])
    }

    private func endCookieless(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        _ = try admin(request, to: "end embed sessions")
        let reference = context.parameters.get("session_reference_token") ?? ""
        let ended = sessions.withLock { sessions in
            let tokens = sessions.filter { $0.value.embedSession == reference }.map(\.key)
            for token in tokens { sessions[token] = nil }
            return !tokens.isEmpty
        }
        guard ended else { throw SandboxHTTPError.notFound("Not found") }
        return Response(status: .noContent)
    }
}
