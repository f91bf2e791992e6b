import Foundation
import Hummingbird

/// The device authorization endpoint (RFC 8628 §3.1-3.2) and its verification page.
extension OIDCProviderSandbox {
    func deviceAuthorization(_ request: Request) async -> Response {
        record(.deviceAuthorization)
        do {
            let form = try await OAuthHTTP.form(of: request)
            let clientID = try OIDCClientAuthentication.authenticate(request: request, form: form, clients: options.clients)
            let now = clock.now
            let options = self.options
            let device = withState {
                $0.grants.startDevice(clientID: clientID, scopes: Self.scopes(form["scope"]), now: now, options: options)
            }
            let verification = baseURL + OIDCPath.device
            return Self.json(
                OIDCDeviceAuthorizationResponse(
                    device_code: device.deviceCode, user_code: device.userCode, verification_uri: verification,
                    verification_uri_complete: OIDCRedirectURI.appending(["user_code": device.userCode], to: verification),
                    expires_in: Int(options.deviceCodeLifetime), interval: Int(device.interval)),
                merging: hostility.deviceAuthorization)
        } catch {
            return Self.oauthResponse(for: error)
        }
    }

    func deviceForm(_ request: Request) -> Response {
        record(.device)
        return OAuthHTTP.html(OIDCPages.device(userCode: OAuthHTTP.query(of: request)["user_code"], users: orderedUsers))
    }

    func deviceDecision(_ request: Request) async -> Response {
        record(.device)
        do {
            let form = try await OAuthHTTP.form(of: request)
            let userCode = try Self.required("user_code", in: form)
            if form["action"] == "deny" {
                try denyDevice(userCode: userCode)
                return OAuthHTTP.html(OIDCPages.message("Request denied", "The device was not signed in."))
            }
            try approveDevice(userCode: userCode, subject: try Self.required("sub", in: form))
            return OAuthHTTP.html(OIDCPages.message("Device approved", "You can return to your device."))
        } catch {
            let message = (error as? OIDCProviderError)?.description ?? (error as? OAuthError)?.description ?? "\(error)"
            return OAuthHTTP.html(OIDCPages.device(userCode: nil, users: orderedUsers, message: message), status: .badRequest)
        }
    }
}

/// The device authorization answer (RFC 8628 §3.2).
struct OIDCDeviceAuthorizationResponse: Codable, Sendable {
    var device_code: String
    var user_code: String
    var verification_uri: String
    var verification_uri_complete: String
    var expires_in: Int
    var interval: Int
}
