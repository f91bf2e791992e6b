import Foundation
import Hummingbird

/// IAM Credentials `generateAccessToken`: a caller token buys a service-account token when a
/// `ServiceAccountImpersonation` binding allows the caller's subject or one of its groups.
extension STSSandbox {
    /// Adds `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken` to `router`.
    public func addIAMCredentialsRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/v1/projects/-/serviceAccounts/{serviceAccount}:generateAccessToken") { request, context in
            await self.generateAccessToken(request, serviceAccount: context.parameters.get("serviceAccount") ?? "")
        }
    }

    private func generateAccessToken(_ request: Request, serviceAccount rawAccount: String) async -> Response {
        let serviceAccount = rawAccount.removingPercentEncoding ?? rawAccount
        do {
            guard let bearer = OAuthHTTP.bearerToken(of: request), let caller = issuedToken(bearer) else {
                throw GoogleAPIError.unauthenticated(
                    "Request had invalid authentication credentials. Expected a valid OAuth 2 access token (unknown or expired).")
            }
            let body = try await Self.body(of: request)
            let lifetime = try lifetime(body.lifetime)
            guard (body.delegates ?? []).isEmpty else {
                throw GoogleAPIError.invalidArgument("delegates are not supported by the sandbox; impersonate the service account directly")
            }
            guard
                options.impersonation.contains(where: {
                    $0.serviceAccount == serviceAccount && $0.allows(subject: caller.info.subject, groups: caller.groups)
                })
            else {
                throw GoogleAPIError.permissionDenied(
                    "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist): \(serviceAccount)")
            }
            let expiresAt = clock.now.addingTimeInterval(lifetime)
            let token = IssuedToken(
                info: SandboxAccessToken(
                    token: RandomToken.make(prefix: "ya29.sa-"), subject: caller.info.subject, email: serviceAccount,
                    scopes: body.scope, expiresAt: expiresAt, serviceAccount: serviceAccount),
                groups: caller.groups, principal: caller.principal)
            store(token)
            return OAuthHTTP.json(GenerateAccessTokenResponse(accessToken: token.info.token, expireTime: expiresAt.formatted(.iso8601)))
        } catch let error as GoogleAPIError {
            return error.response()
        } catch {
            return GoogleAPIError.invalidArgument("the request body could not be read: \(error)").response()
        }
    }

    private static func body(of request: Request) async throws -> GenerateAccessTokenRequest {
        let text = try await OAuthHTTP.bodyText(of: request)
        guard let body = try? JSONDecoder().decode(GenerateAccessTokenRequest.self, from: Data(text.utf8)) else {
            throw GoogleAPIError.invalidArgument("the body must be JSON {\"scope\": [...], \"lifetime\": \"3600s\"}")
        }
        guard !body.scope.isEmpty else { throw GoogleAPIError.invalidArgument("scope is required and must not be empty") }
        return body
    }

    /// A Google duration string (`"3600s"`, `"1.5s"`) within the allowed maximum; absent means the maximum.
    private func lifetime(_ text: String?) throws(GoogleAPIError) -> TimeInterval {
        let maximum = options.maxServiceAccountTokenLifetime
        guard let text else { return maximum }
        guard text.hasSuffix("s"), let seconds = TimeInterval(text.dropLast()), seconds > 0 else {
            throw .invalidArgument("lifetime must be a duration like \"3600s\"")
        }
        guard seconds <= maximum else { throw .invalidArgument("lifetime must be at most \(Int(maximum))s") }
        return seconds
    }
}

struct GenerateAccessTokenRequest: Codable, Sendable {
    var scope: [String]
    var lifetime: String?
    var delegates: [String]?
}

struct GenerateAccessTokenResponse: Codable, Sendable {
    var accessToken: String
    var expireTime: String
}
