import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import Synchronization

/// The Looker API 4.0 calls Gatehouse makes: dashboards, query runs and SSO embed URLs.
///
/// API tokens (about an hour) come from a `LookerCredentialSource` and are kept in memory only:
/// a restart costs one login. A 401 means Looker forgot the session early, so the client logs
/// in again once and repeats the call.
public final class LookerClient: Sendable {
    /// The circuit-breaker name of every Looker call.
    public static let upstream = "looker"

    /// The Looker identity calls run as when they do not depend on the person (the service account's).
    public let lookerUser: String
    private let identity: @Sendable (Principal) -> String
    let apiURL: String
    private let http: HTTPClient
    private let source: any LookerCredentialSource
    private let clock: any IdentityClock
    private let tokens = Mutex<[String: IssuedToken]>([:])
    private let logins = Flights<String, IssuedToken>()
    /// A token is used only with at least this much life left, so it cannot expire mid-call.
    private let minimumRemaining: TimeInterval = 60

    /// A client for the Looker instance at `baseURL` (the API is under `/api/4.0`), acting as `lookerUser`.
    public init(
        http: HTTPClient, baseURL: String, credentials source: any LookerCredentialSource, lookerUser: String,
        identity: (@Sendable (Principal) -> String)? = nil, clock: any IdentityClock = SystemIdentityClock()
    ) {
        self.http = http
        self.apiURL = Self.apiURL(baseURL)
        self.source = source
        self.lookerUser = lookerUser
        self.identity = identity ?? { _ in lookerUser }
        self.clock = clock
    }

    /// The Looker identity `principal`'s calls run as, for audit records and cache partitioning.
    public func lookerUser(for principal: Principal) -> String { identity(principal) }

    /// Forgets the person's cached token, so the next call gets one that reflects their current attributes.
    public func forgetToken(for principal: Principal) {
        tokens.withLock { $0[principal.subject] = nil }
    }

    /// A client that logs in with API3 credentials.
    public convenience init(http: HTTPClient, baseURL: String, credentials: LookerAPICredentials, clock: any IdentityClock = SystemIdentityClock()) {
        self.init(
            http: http, baseURL: baseURL, credentials: LookerAPILogin(http: http, baseURL: baseURL, credentials: credentials),
            lookerUser: credentials.lookerUser, clock: clock)
    }

    /// `<base>/api/4.0` without a trailing slash.
    static func apiURL(_ baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/api/4.0") ? base : base + "/api/4.0"
    }

    /// The dashboard's metadata with every tile's query results (json format).
    public func dashboard(_ id: String, for principal: Principal) async throws(LookerError) -> LookerDashboard {
        let path = "/dashboards/\(Self.pathSegment(id))?fields=\(LookerDashboardResource.fields)"
        let response = try await send(for: principal) { .get($0 + path, upstream: Self.upstream) }
        if response.status == 404 { throw .dashboardNotFound(id: id) }
        try Self.check(response)
        let resource: LookerDashboardResource
        do {
            resource = try response.decode(LookerDashboardResource.self)
        } catch {
            throw .undecodable(error.description)
        }
        let tiles = try await self.tiles(of: resource, for: principal)
        return LookerDashboard(
            id: resource.id, title: resource.title ?? "Dashboard \(resource.id)", description: resource.description,
            folder: resource.folder?.name, model: resource.model?.id, tiles: tiles)
    }

    /// A query's rows in Looker's `json` result format (one object per row, keyed by field name).
    public func runQuery(_ queryID: String, for principal: Principal) async throws(LookerError) -> [JSONValue] {
        let path = "/queries/\(Self.pathSegment(queryID))/run/json"
        let response = try await send(for: principal) { .get($0 + path, upstream: Self.upstream) }
        try Self.check(response)
        do {
            return try response.decode([JSONValue].self)
        } catch {
            throw .undecodable(error.description)
        }
    }

    /// A signed, single-use SSO embed URL for `principal` opening dashboard `id` (`POST /embed/sso_url`).
    public func embedURL(
        dashboardID id: String, model: String?, for principal: Principal, sessionSeconds: Int
    ) async throws(LookerError) -> String {
        let params = EmbedSSOParams(
            dashboard: id, apiURL: apiURL, sessionSeconds: sessionSeconds, externalUserID: principal.subject,
            firstName: principal.name ?? principal.displayName, permissions: ["access_data", "see_user_dashboards"], models: model.map { [$0] } ?? [])
        let response = try await send(for: principal) { api throws(HTTPError) in try params.request(api: api) }
        try Self.check(response)
        do {
            return try response.decode(EmbedSSOParams.Answer.self).url
        } catch {
            throw .undecodable(error.description)
        }
    }

    // MARK: tiles

    private func tiles(of resource: LookerDashboardResource, for principal: Principal) async throws(LookerError) -> [LookerTile] {
        let elements = resource.dashboard_elements ?? []
        var results: [Int: Result<[JSONValue], LookerError>] = [:]
        // Tiles run concurrently, as a Looker dashboard page does; each result keeps its tile's position.
        await withTaskGroup(of: (Int, Result<[JSONValue], LookerError>).self) { group in
            for (index, element) in elements.enumerated() {
                guard let queryID = element.queryID else { continue }
                group.addTask {
                    do throws(LookerError) {
                        return (index, .success(try await self.runQuery(queryID, for: principal)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for await (index, result) in group { results[index] = result }
        }
        var tiles: [LookerTile] = []
        for (index, element) in elements.enumerated() {
            var tile = LookerTile(
                id: element.id ?? "\(resource.id)-\(index + 1)", title: element.title, type: element.type, queryID: element.queryID,
                fields: element.query?.fields ?? [], rows: nil, visualization: element.query?.vis_config?.type)
            switch results[index] {
            case .success(let rows)?:
                tile.rows = rows
                if tile.fields.isEmpty { tile.fields = rows.first?.objectValue?.keys.sorted() ?? [] }
            case .failure(let error)? where error.isUnavailable:
                // A half-fetched dashboard must not replace a complete cached copy.
                throw error
            case .failure(let error)?:
                tile.error = error.description
            case nil:
                break
            }
            tiles.append(tile)
        }
        return tiles
    }

    // MARK: authentication

    /// Sends the request `build` makes from the API base URL with a valid token; on 401 logs in again once.
    private func send(
        for principal: Principal, _ build: (String) throws(HTTPError) -> HTTPRequest
    ) async throws(LookerError) -> HTTPResponse {
        var request: HTTPRequest
        do {
            request = try build(apiURL)
        } catch {
            throw LookerError.transport(error)
        }
        request.headers.replace("Accept", "application/json")
        return try await LookerAuthorizedSend.send(
            request, http: http, token: { () async throws(LookerError) in try await token(for: principal) },
            forget: { forget($0, for: principal) })
    }

    /// A cached token with life left, else a new login shared by concurrent callers.
    func token(for principal: Principal) async throws(LookerError) -> IssuedToken {
        let key = principal.subject
        if let cached = usableToken(key) { return cached }
        do {
            return try await logins.run(key: key) { [self] in
                if let cached = usableToken(key) { return cached }
                let token = try await source.token(for: principal, now: clock.now)
                tokens.withLock { $0[key] = token }
                return token
            }
        } catch let error as LookerError {
            throw error
        } catch {
            throw .notConfigured("no Looker credentials for \(principal.displayName): \(error)")
        }
    }

    private func usableToken(_ key: String) -> IssuedToken? {
        let now = clock.now
        return tokens.withLock { $0[key] }.flatMap { $0.expiresAt.timeIntervalSince(now) >= minimumRemaining ? $0 : nil }
    }

    private func forget(_ token: IssuedToken, for principal: Principal) {
        tokens.withLock { if $0[principal.subject] == token { $0[principal.subject] = nil } }
    }

    /// Throws for any non-2xx answer, sorted into what a caller can act on.
    static func check(_ response: HTTPResponse) throws(LookerError) {
        guard !response.isSuccess else { return }
        let message = (try? response.decode(LookerErrorBody.self).message) ?? "no message"
        switch response.status {
        case 429, 500...: throw .unavailable("HTTP \(response.status): \(message)")
        case 401, 403: throw .forbidden(message)
        default: throw .rejected(status: response.status, message: message)
        }
    }

    private struct LookerErrorBody: Decodable { var message: String? }

    /// Ids come from catalog annotations: escape them so one cannot change the path.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? text
    }
}
