import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity

/// Logs in to Looker with API3 credentials (`POST /api/4.0/login`, form body): the identity
/// module's `LookerCredentialSource` for hosts whose Looker access is one API user.
public struct LookerAPILogin: LookerCredentialSource {
    private let http: HTTPClient
    private let apiURL: String
    private let credentials: LookerAPICredentials

    /// Logs in at `baseURL` (e.g. `https://looker.example.com:19999`; the API is under `/api/4.0`).
    public init(http: HTTPClient, baseURL: String, credentials: LookerAPICredentials) {
        self.http = http
        self.apiURL = LookerClient.apiURL(baseURL)
        self.credentials = credentials
    }

    /// A Looker API token; its chain ends with the Looker identity the credentials name.
    public func token(for principal: Principal, now: Date) async throws -> IssuedToken {
        var request = HTTPRequest.form(
            apiURL + "/login", upstream: LookerClient.upstream,
            fields: [("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)])
        request.headers.replace("Accept", "application/json")
        request.secrets.append(credentials.clientSecret)
        // A login creates nothing on the server, so repeating it after a lost answer is harmless.
        request.idempotent = true
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw LookerError.transport(error)
        }
        switch response.status {
        case 200..<300: break
        case 429, 500...: throw LookerError.unavailable("login answered HTTP \(response.status)")
        default: throw LookerError.loginRejected(status: response.status)
        }
        let answer: LoginAnswer
        do {
            answer = try response.decode(LoginAnswer.self)
        } catch {
            throw LookerError.undecodable(error.description)
        }
        return IssuedToken(
            value: answer.access_token, tokenType: "token", issuedAt: now,
            // Looker's sessions last an hour; an answer claiming more (or a negative time) is held to 1 min…1 day.
            expiresAt: now.addingTimeInterval(OutsideNumbers.clamped(Double(answer.expires_in ?? 3600), to: 60...86_400) ?? 3600),
            chain: [principal.displayName, credentials.lookerUser])
    }

    /// The `AccessToken` answer.
    private struct LoginAnswer: Decodable {
        var access_token: String
        var expires_in: Int?
    }
}
