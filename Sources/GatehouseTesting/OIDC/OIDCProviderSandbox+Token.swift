import Foundation
import GatehouseCore
import Hummingbird
import JWTKit

/// The token endpoint: authorization code, refresh token (rotating) and device code grants.
extension OIDCProviderSandbox {
    func token(_ request: Request) async -> Response {
        record(.token)
        do {
            let form = try await OAuthHTTP.form(of: request)
            let grantType = form["grant_type"] ?? ""
            withState { $0.counts.record(grant: grantType) }
            let clientID = try OIDCClientAuthentication.authenticate(request: request, form: form, clients: options.clients)
            let now = clock.now
            let grant: OIDCGrant
            switch grantType {
            case OIDCGrantType.authorizationCode:
                let code = try Self.required("code", in: form)
                grant = try withState { (state: inout State) throws(OAuthError) in
                    try state.grants.redeemCode(
                        code, clientID: clientID, redirectURI: form["redirect_uri"], verifier: form["code_verifier"], now: now)
                }
            case OIDCGrantType.refreshToken:
                let refreshToken = try Self.required("refresh_token", in: form)
                if let refused = hostility.refreshError { throw refused }
                grant = try withState { (state: inout State) throws(OAuthError) in
                    try state.grants.redeemRefreshToken(refreshToken, clientID: clientID, now: now)
                }
            case OIDCGrantType.deviceCode:
                let deviceCode = try Self.required("device_code", in: form)
                grant = try withState { (state: inout State) throws(OAuthError) in
                    try state.grants.pollDevice(deviceCode, clientID: clientID, now: now)
                }
            case "":
                throw OAuthError.invalidRequest("grant_type is required")
            default:
                throw OAuthError.unsupportedGrantType(grantType)
            }
            let hostility = self.hostility
            return Self.json(
                try await issueTokens(for: grant, now: now), merging: hostility.tokenResponse, padding: hostility.tokenResponsePadding)
        } catch {
            return Self.oauthResponse(for: error)
        }
    }

    /// Mints access and refresh tokens and signs the ID token for `grant`.
    func issueTokens(for grant: OIDCGrant, now: Date) async throws -> OIDCTokenResponse {
        guard let user = users[grant.subject] else {
            throw OAuthError.invalidGrant("the user '\(grant.subject)' no longer exists in the sandbox")
        }
        let options = self.options
        let (minted, key, issuer) = withState { state in
            (state.grants.mint(for: grant, now: now, options: options), state.keys.current, state.issuer)
        }
        var idToken: String?
        if grant.scopes.contains("openid") {
            let claims = OIDCIDTokenClaims(
                iss: .init(value: issuer), sub: .init(value: user.subject), aud: .init(value: [grant.clientID]),
                exp: .init(value: now.addingTimeInterval(options.idTokenLifetime)), iat: .init(value: now),
                nbf: .init(value: now), auth_time: Int(grant.authTime.timeIntervalSince1970), nonce: grant.nonce,
                email: user.email, email_verified: true, name: user.name, groups: user.groups)
            let hostility = self.hostility
            if hostility.idTokenClaims.isEmpty && !hostility.singleKeyWithoutKid {
                idToken = try await key.sign(claims)
            } else {
                // Through JSONEncoder as jwt-kit encodes claims: dates as seconds, not JSONValue's ISO text.
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .secondsSince1970
                let raw = OIDCHostility.merge(hostility.idTokenClaims, over: try JSONParser.parse(encoder.encode(claims)))
                idToken = try await key.sign(OIDCRawClaims(raw), namingKey: !hostility.singleKeyWithoutKid)
            }
        }
        return OIDCTokenResponse(
            access_token: minted.accessToken, expires_in: minted.expiresIn, refresh_token: minted.refreshToken,
            id_token: idToken, scope: grant.scopes.joined(separator: " "))
    }

    /// A non-empty form field, or `invalid_request` naming it.
    static func required(_ name: String, in form: [String: String]) throws(OAuthError) -> String {
        guard let value = form[name], !value.isEmpty else { throw .invalidRequest("\(name) is required") }
        return value
    }
}

/// The token endpoint's success answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
struct OIDCTokenResponse: Codable, Sendable {
    var access_token: String
    var token_type = "Bearer"
    var expires_in: Int
    var refresh_token: String
    var id_token: String?
    var scope: String
}
