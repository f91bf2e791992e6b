import Foundation
import GatehouseCore
import Hummingbird

extension OIDCProviderSandbox {
    /// Adds every provider endpoint to `router`, at the paths discovery advertises.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get(RouterPath(OIDCPath.discovery)) { _, _ in self.discovery() }
        router.get(RouterPath(OIDCPath.jwks)) { _, _ in self.jwks() }
        router.get(RouterPath(OIDCPath.authorize)) { request, _ in self.authorizeForm(request) }
        router.post(RouterPath(OIDCPath.authorize)) { request, _ in await self.authorizeDecision(request) }
        router.post(RouterPath(OIDCPath.token)) { request, _ in await self.token(request) }
        router.post(RouterPath(OIDCPath.deviceAuthorization)) { request, _ in await self.deviceAuthorization(request) }
        router.get(RouterPath(OIDCPath.device)) { request, _ in self.deviceForm(request) }
        router.post(RouterPath(OIDCPath.device)) { request, _ in await self.deviceDecision(request) }
        router.get(RouterPath(OIDCPath.userinfo)) { request, _ in self.userinfo(request) }
        router.post(RouterPath(OIDCPath.userinfo)) { request, _ in self.userinfo(request) }
        router.post(RouterPath(OIDCPath.revoke)) { request, _ in await self.revoke(request) }
        router.get(RouterPath(OIDCPath.logout)) { request, _ in self.logout(request) }
    }

    func record(_ endpoint: OIDCEndpoint) {
        withState { $0.counts.record(endpoint) }
    }

    /// The issuer without a trailing slash, for building endpoint URLs.
    var baseURL: String {
        let issuer = self.issuer
        return issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
    }

    private func discovery() -> Response {
        record(.discovery)
        return Self.json(OIDCDiscoveryDocument(issuer: issuer, scopes: options.scopesSupported), merging: hostility.discovery)
    }

    private func jwks() -> Response {
        record(.jwks)
        let hostility = self.hostility
        var headers: HTTPFields = [.contentType: "application/json"]
        if let cacheControl = hostility.jwksCacheControl { headers[.cacheControl] = cacheControl }
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: hostility.singleKeyWithoutKid ? anonymousJWKSJSON : jwksJSON)))
    }

    private func userinfo(_ request: Request) -> Response {
        record(.userinfo)
        guard let token = OAuthHTTP.bearerToken(of: request), let user = userInfo(accessToken: token) else {
            var response = OAuthHTTP.json(
                ["error": "invalid_token", "error_description": "the access token is missing, unknown, revoked or expired"] as [String: String],
                status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
            return response
        }
        return OAuthHTTP.json(OIDCUserInfo(user))
    }

    /// RFC 7009: answers 200 whether or not the token was known, so callers learn nothing from it.
    private func revoke(_ request: Request) async -> Response {
        record(.revoke)
        do {
            let form = try await OAuthHTTP.form(of: request)
            _ = try OIDCClientAuthentication.authenticate(request: request, form: form, clients: options.clients)
            guard let token = form["token"], !token.isEmpty else { throw OAuthError.invalidRequest("token is required") }
            withState { $0.grants.revoke(token: token) }
            return Response(status: .ok)
        } catch {
            return Self.oauthResponse(for: error)
        }
    }

    private func logout(_ request: Request) -> Response {
        record(.logout)
        let query = OAuthHTTP.query(of: request)
        if let target = query["post_logout_redirect_uri"],
            OIDCRedirectURI.isAllowed(target, registered: options.registeredRedirectURIs)
        {
            return .redirect(to: OIDCRedirectURI.appending(["state": query["state"]], to: target), type: .found)
        }
        return OAuthHTTP.html(OIDCPages.message("Signed out", "You are signed out of the Gatehouse sandbox."))
    }

    /// The OAuth error answer for any error a handler threw.
    static func oauthResponse(for error: any Error) -> Response {
        if let error = error as? OAuthError { return error.response() }
        return OAuthError("server_error", "the sandbox could not handle the request: \(error)", status: .internalServerError)
            .response()
    }
}

/// The `/userinfo` answer.
struct OIDCUserInfo: Encodable {
    var sub: String
    var email: String
    var email_verified = true
    var name: String
    var groups: [String]

    init(_ user: SandboxUser) {
        sub = user.subject
        email = user.email
        name = user.name
        groups = user.groups
    }
}
