import Foundation
import Hummingbird

/// The authorization endpoint: validates the request, then approves it at once
/// (`autoApproveSubject`) or after the consent form is posted.
extension OIDCProviderSandbox {
    func authorizeForm(_ request: Request) -> Response {
        record(.authorize)
        let parameters = OAuthHTTP.query(of: request)
        return authorize(parameters) { validated in
            if let subject = options.autoApproveSubject {
                return approve(validated, subject: subject)
            }
            return OAuthHTTP.html(OIDCPages.consent(parameters: parameters, users: orderedUsers))
        }
    }

    func authorizeDecision(_ request: Request) async -> Response {
        record(.authorize)
        let parameters: [String: String]
        do {
            parameters = try await OAuthHTTP.form(of: request)
        } catch {
            return OAuthHTTP.text("the consent form could not be read", status: .badRequest)
        }
        return authorize(parameters) { validated in
            if parameters["action"] == "deny" {
                return errorRedirect(validated.redirectURI, OAuthError("access_denied", "the user denied the request"), state: validated.state)
            }
            guard let subject = parameters["sub"], users[subject] != nil else {
                return OAuthHTTP.text("choose one of the sandbox users (form field 'sub')", status: .badRequest)
            }
            return approve(validated, subject: subject)
        }
    }

    /// Validates `parameters`; errors about the client or redirect URI are shown on a page (they
    /// must never redirect to an unchecked URI), the rest go back to the client as `?error=`.
    private func authorize(
        _ parameters: [String: String], then approved: (OIDCAuthorizationRequest) -> Response
    ) -> Response {
        guard let clientID = parameters["client_id"], options.clients[clientID] != nil else {
            return OAuthHTTP.text("unknown client_id: register the client in OIDCProviderOptions.clients", status: .badRequest)
        }
        guard let redirectURI = parameters["redirect_uri"],
            OIDCRedirectURI.isAllowed(redirectURI, registered: options.registeredRedirectURIs)
        else {
            return OAuthHTTP.text(
                "redirect_uri must be a loopback http://127.0.0.1:{port}/... URI or a registered one", status: .badRequest)
        }
        do {
            return approved(try validate(parameters, clientID: clientID, redirectURI: redirectURI))
        } catch {
            return errorRedirect(redirectURI, error, state: parameters["state"])
        }
    }

    private func validate(
        _ parameters: [String: String], clientID: String, redirectURI: String
    ) throws(OAuthError) -> OIDCAuthorizationRequest {
        guard parameters["response_type"] == "code" else {
            throw OAuthError("unsupported_response_type", "only response_type=code is supported")
        }
        let isPublic = options.clients[clientID] == .some(nil)
        let challenge = parameters["code_challenge"]
        if let challenge {
            guard parameters["code_challenge_method"] == "S256" else {
                throw .invalidRequest("code_challenge_method must be S256 (plain is not accepted)")
            }
            guard challenge.count == 43, OAuthBase64URL.decode(challenge)?.count == 32 else {
                throw .invalidRequest("code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)")
            }
        } else if isPublic {
            throw .invalidRequest("public clients must use PKCE: send code_challenge and code_challenge_method=S256")
        }
        return OIDCAuthorizationRequest(
            clientID: clientID, redirectURI: redirectURI, scopes: Self.scopes(parameters["scope"]),
            state: parameters["state"], nonce: parameters["nonce"], codeChallenge: challenge)
    }

    private func approve(_ request: OIDCAuthorizationRequest, subject: String) -> Response {
        let now = clock.now
        let lifetime = options.authorizationCodeLifetime
        let code = withState { $0.grants.createCode(for: request, subject: subject, now: now, lifetime: lifetime) }
        return .redirect(to: OIDCRedirectURI.appending(["code": code, "state": request.state], to: request.redirectURI), type: .found)
    }

    private func errorRedirect(_ redirectURI: String, _ error: any Error, state: String?) -> Response {
        let oauth = error as? OAuthError ?? OAuthError("server_error", "the sandbox could not handle the request")
        let items = ["error": oauth.code, "error_description": oauth.description, "state": state]
        return .redirect(to: OIDCRedirectURI.appending(items, to: redirectURI), type: .found)
    }

    /// Space-delimited scopes; an absent scope means the sandbox default `openid email profile`.
    static func scopes(_ text: String?) -> [String] {
        let scopes = (text ?? "").split(separator: " ").map(String.init)
        return scopes.isEmpty ? ["openid", "email", "profile"] : scopes
    }
}
