/// The HTTP methods Gatehouse sends upstream.
public enum HTTPMethod: String, Sendable {
    case GET, POST, PUT, PATCH, DELETE, HEAD

    /// Whether repeating the request is harmless by HTTP semantics (RFC 9110 §9.2.2).
    public var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .PUT, .DELETE: true
        case .POST, .PATCH: false
        }
    }
}
