import Foundation
import Hummingbird
import JWTKit

/// `POST /v1/token`: the RFC 8693 exchange of an external ID token for a federated access token.
extension STSSandbox {
    /// Adds `POST /v1/token` to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/v1/token") { request, _ in await self.exchange(request) }
    }

    private func exchange(_ request: Request) async -> Response {
        do {
            // The subject token is the credential; a stray Authorization header means a
            // misconfigured client that may be leaking some other secret, so say so.
            guard request.headers[.authorization] == nil else {
                throw OAuthError.invalidRequest("do not send an Authorization header to STS; the subject_token is the credential")
            }
            let exchange = try await STSTokenExchangeRequest.parse(request)
            guard let verifier = verifiers[exchange.audience] else {
                throw OAuthError.invalidTarget(
                    "the audience '\(exchange.audience)' is not a workload identity provider this STS trusts")
            }
            let now = clock.now
            let claims = try await verifier.verify(exchange.subjectToken, now: now)
            let subject = claims.sub.value
            let token = IssuedToken(
                info: SandboxAccessToken(
                    token: RandomToken.make(prefix: "ya29.sts-"), subject: subject, email: claims.email ?? subject,
                    scopes: exchange.scopes, expiresAt: now.addingTimeInterval(options.accessTokenLifetime)),
                groups: claims.groups ?? [],
                principal: "principal:\(verifier.trusted.poolResource)/subject/\(subject)")
            store(token)
            return OAuthHTTP.json(
                STSTokenExchangeResponse(access_token: token.info.token, expires_in: Int(options.accessTokenLifetime)))
        } catch let error as OAuthError {
            return error.response()
        } catch {
            return OAuthError.invalidRequest("the request body could not be read: \(error)").response()
        }
    }
}

/// The exchange answer (snake_case, as the discovery doc and RFC 8693 have it).
struct STSTokenExchangeResponse: Codable, Sendable {
    var access_token: String
    var issued_token_type = STSTokenExchangeRequest.accessTokenType
    var token_type = "Bearer"
    var expires_in: Int
}
