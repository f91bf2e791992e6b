import Foundation
import Hummingbird

/// Authenticates the client at the token endpoint: `none` (public client, client_id in the form),
/// `client_secret_basic` or `client_secret_post`.
enum OIDCClientAuthentication {
    /// The authenticated client_id, or `invalid_client` / `invalid_request`.
    static func authenticate(
        request: Request, form: [String: String], clients: [String: String?]
    ) throws(OAuthError) -> String {
        let basic = try basicCredentials(request)
        if basic != nil, form["client_secret"] != nil {
            throw .invalidRequest("send client credentials either in the Authorization header or in the form, not both")
        }
        guard let clientID = basic?.id ?? form["client_id"], !clientID.isEmpty else {
            throw .invalidClient("client_id is missing")
        }
        if let formID = form["client_id"], formID != clientID {
            throw .invalidClient("client_id in the form differs from the one in the Authorization header")
        }
        guard let registered = clients[clientID] else { throw .invalidClient("client '\(clientID)' is not registered") }
        if let expected = registered {
            guard let given = basic?.secret ?? form["client_secret"] else {
                throw .invalidClient("client '\(clientID)' is confidential: send its secret (client_secret_basic or client_secret_post)")
            }
            guard given == expected else { throw .invalidClient("the client secret for '\(clientID)' is wrong") }
        }
        return clientID
    }

    /// The id and secret of an `Authorization: Basic` header, form-url-decoded (RFC 6749 §2.3.1).
    private static func basicCredentials(_ request: Request) throws(OAuthError) -> (id: String, secret: String)? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else {
            throw .invalidClient("only Basic client authentication is accepted in the Authorization header here")
        }
        guard let decoded = Data(base64Encoded: String(parts[1])).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        else { throw .invalidClient("the Basic credentials are not base64 of 'client_id:client_secret'") }
        let id = formDecode(decoded[..<colon])
        let secret = formDecode(decoded[decoded.index(after: colon)...])
        return (id, secret)
    }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
