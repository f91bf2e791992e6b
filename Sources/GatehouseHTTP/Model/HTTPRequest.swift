import Foundation

/// One call to an upstream, as the caller describes it; the client adds deadlines, retries and the breaker.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: Data?
    /// Circuit-breaker / "offline" key, e.g. "backstage", "looker", "dataproc", "sts", "idp".
    public var upstream: String
    /// nil = decided by the method (GET, HEAD, PUT, DELETE are idempotent; POST, PATCH are not).
    public var idempotent: Bool?
    /// Total deadline for the whole call including retries; nil = the client's default.
    public var timeout: Duration?
    /// Extra literal values to scrub from any error text (e.g. a token inside a body).
    public var secrets: [String]

    /// A request with no extra secrets; see `secrets` to add some.
    public init(
        method: HTTPMethod, url: String, headers: HTTPHeaders = .init(), body: Data? = nil,
        upstream: String, idempotent: Bool? = nil, timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.upstream = upstream
        self.idempotent = idempotent
        self.timeout = timeout
        self.secrets = []
    }

    /// Whether the client may repeat this request after its body may have reached the server.
    public var isIdempotent: Bool { idempotent ?? method.isIdempotent }
}

extension HTTPRequest {
    /// A GET request.
    public static func get(_ url: String, upstream: String, headers: HTTPHeaders = .init()) -> HTTPRequest {
        HTTPRequest(method: .GET, url: url, headers: headers, upstream: upstream)
    }

    /// A POST with an `application/x-www-form-urlencoded` body built from `fields`, in order.
    public static func form(
        _ url: String, upstream: String, fields: [(String, String)], headers: HTTPHeaders = .init()
    ) -> HTTPRequest {
        var headers = headers
        headers.replace("Content-Type", FormEncoding.contentType)
        return HTTPRequest(
            method: .POST, url: url, headers: headers, body: Data(FormEncoding.encode(fields).utf8),
            upstream: upstream
        )
    }

    /// A request with `body` encoded as JSON (`Content-Type` and `Accept` set unless given).
    public static func json(
        _ method: HTTPMethod, _ url: String, upstream: String, body: some Encodable, headers: HTTPHeaders = .init()
    ) throws(HTTPError) -> HTTPRequest {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            // The encoder's message can quote the offending value, which may be a secret: name only the type.
            throw .invalidRequest("could not encode \(type(of: body)) as JSON for \(upstream)")
        }
        var headers = headers
        headers.addIfAbsent("Content-Type", "application/json")
        headers.addIfAbsent("Accept", "application/json")
        return HTTPRequest(method: method, url: url, headers: headers, body: data, upstream: upstream)
    }
}
