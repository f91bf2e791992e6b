import Foundation

/// Which redirect URIs the provider sends codes to.
enum OIDCRedirectURI {
    /// True for a registered URI, or a loopback `http://127.0.0.1` / `http://[::1]` URI on any port
    /// (RFC 8252 §7.3: native apps pick an ephemeral port, so the port cannot be registered).
    static func isAllowed(_ uri: String, registered: [String]) -> Bool {
        if registered.contains(uri) { return true }
        guard let components = URLComponents(string: uri), components.scheme == "http",
            components.fragment == nil, components.port != nil
        else { return false }
        return components.host == "127.0.0.1" || components.host == "[::1]" || components.host == "::1"
    }

    /// `uri` with `items` appended to its query.
    static func appending(_ items: [String: String?], to uri: String) -> String {
        guard var components = URLComponents(string: uri) else { return uri }
        var query = components.queryItems ?? []
        for (name, value) in items.sorted(by: { $0.key < $1.key }) {
            if let value { query.append(URLQueryItem(name: name, value: value)) }
        }
        components.queryItems = query
        // `+` is legal in a query but means space to form decoders; encode it so values survive.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? uri
    }
}
