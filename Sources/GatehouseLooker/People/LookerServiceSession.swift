import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import Synchronization

/// The daemon's own Looker API session: the service account's `credentials_api3` pair, used for
/// admin calls only (embed users, sudo, System Activity, its own credential rotation). Its token
/// never leaves this type: people get their own embed-user tokens. The pair can be replaced while
/// calls are in flight (rotation); a call that meets a 401 logs in again with the current pair.
public final class LookerServiceSession: LookerCredentialSource {
    /// `<base>/api/4.0`.
    let apiURL: String
    private let http: HTTPClient
    private let clock: any IdentityClock
    private let state: Mutex<State>
    private let logins = Flights<String, IssuedToken>()

    private struct State {
        var credentials: LookerAPICredentials
        var token: IssuedToken?
    }

    /// A session for the Looker at `baseURL` logging in with `credentials`.
    public init(http: HTTPClient, baseURL: String, credentials: LookerAPICredentials, clock: any IdentityClock = SystemIdentityClock()) {
        self.http = http
        self.apiURL = LookerClient.apiURL(baseURL)
        self.clock = clock
        self.state = Mutex(State(credentials: credentials))
    }

    /// The pair in use now.
    public var credentials: LookerAPICredentials { state.withLock { $0.credentials } }

    /// How audit records and `status` name the service identity.
    public var lookerUser: String { credentials.lookerUser }

    /// Switches to `credentials` with a token already obtained with them, so no call waits for a login.
    func switchTo(_ credentials: LookerAPICredentials, token: IssuedToken) {
        state.withLock { $0 = State(credentials: credentials, token: token) }
    }

    /// Logs in with `credentials` (the current pair when nil) and returns the token; nothing is switched.
    func login(with credentials: LookerAPICredentials? = nil) async throws(LookerError) -> IssuedToken {
        let pair = credentials ?? self.credentials
        let principal = Principal(subject: "gatehouse-service", issuer: "gatehouse", name: "Gatehouse service")
        do {
            return try await LookerAPILogin(http: http, baseURL: apiURL, credentials: pair).token(for: principal, now: clock.now)
        } catch let error as LookerError {
            throw error
        } catch {
            throw .notConfigured("Looker service login failed: \(error)")
        }
    }

    /// The current token with at least a minute left, else a login shared by concurrent callers.
    func token() async throws(LookerError) -> IssuedToken {
        let now = clock.now
        if let token = state.withLock({ $0.token }), token.expiresAt.timeIntervalSince(now) >= 60 { return token }
        let pair = credentials
        do {
            return try await logins.run(key: pair.clientID) { [self] in
                let token = try await login(with: pair)
                state.withLock { if $0.credentials.clientID == pair.clientID { $0.token = token } }
                return token
            }
        } catch let error as LookerError {
            // A login with a pair a rotation has just replaced (and deleted): use the new pair.
            if case .loginRejected = error, credentials.clientID != pair.clientID { return try await token() }
            throw error
        } catch {
            throw .notConfigured("Looker service login failed: \(error)")
        }
    }

    /// The service token, for the service-account mode where every read runs as the service account.
    public func token(for principal: Principal, now: Date) async throws -> IssuedToken {
        var token = try await token()
        token.chain = [principal.displayName, lookerUser]
        return token
    }

    /// Sends the request `build` makes from the API base URL as the service account; on 401 logs in again once.
    func send(_ build: (String) throws(HTTPError) -> HTTPRequest) async throws(LookerError) -> HTTPResponse {
        var request: HTTPRequest
        do {
            request = try build(apiURL)
        } catch {
            throw LookerError.transport(error)
        }
        request.headers.addIfAbsent("Accept", "application/json")
        return try await LookerAuthorizedSend.send(
            request, http: http, token: { () async throws(LookerError) in try await token() },
            forget: { token in state.withLock { if $0.token == token { $0.token = nil } } })
    }

    /// Sends and decodes a 2xx JSON answer as `T`.
    func call<T: Decodable>(_ type: T.Type, _ build: (String) throws(HTTPError) -> HTTPRequest) async throws(LookerError) -> T {
        let response = try await send(build)
        try LookerClient.check(response)
        do {
            return try response.decode(T.self)
        } catch {
            throw .undecodable(error.description)
        }
    }
}
