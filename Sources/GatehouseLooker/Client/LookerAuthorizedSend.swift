import GatehouseHTTP
import GatehouseIdentity

/// Sending with a Looker API token, for the person's client and the service session alike: a 401 means
/// the token died early (Looker restarted, a session was logged out), so it is forgotten and the call
/// is made once more with a new one.
enum LookerAuthorizedSend {
    /// Sends `request` with the token `token()` gives; on 401, `forget`s it and retries once.
    static func send(
        _ request: HTTPRequest, http: HTTPClient, token: () async throws(LookerError) -> IssuedToken, forget: (IssuedToken) -> Void
    ) async throws(LookerError) -> HTTPResponse {
        var current = try await token()
        for attempt in 1...2 {
            var authorized = request
            authorized.headers.replace("Authorization", "token \(current.value)")
            authorized.secrets.append(current.value)
            let response: HTTPResponse
            do {
                response = try await http.send(authorized)
            } catch {
                throw LookerError.transport(error)
            }
            guard response.status == 401, attempt == 1 else { return response }
            forget(current)
            current = try await token()
        }
        preconditionFailure("the loop returns on its second attempt")
    }
}
