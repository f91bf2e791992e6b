import Hummingbird

/// An error a sandbox route answers with; the upstream's middleware renders it in that upstream's
/// own error shape (Backstage, Looker, Google, OAuth).
public struct SandboxHTTPError: Error, CustomStringConvertible, Sendable {
    /// HTTP status to answer with.
    public var status: HTTPResponse.Status
    /// Message for the caller; never contains secrets.
    public var message: String
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: HTTPFields
    /// The upstream's own error code when the status alone does not fix it (e.g. Google's `FAILED_PRECONDITION`).
    public var code: String?

    /// An error with a status and a message.
    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], code: String? = nil) {
        self.status = status
        self.message = message
        self.headers = headers
        self.code = code
    }

    /// 400: the request breaks the upstream's published contract.
    public static func badRequest(_ message: String) -> Self { .init(.badRequest, message) }
    /// 401: missing, malformed, expired or revoked credentials.
    public static func unauthorized(_ message: String) -> Self { .init(.unauthorized, message) }
    /// 403: authenticated but not allowed.
    public static func forbidden(_ message: String) -> Self { .init(.forbidden, message) }
    /// 404: no such resource (or not visible to the caller).
    public static func notFound(_ message: String) -> Self { .init(.notFound, message) }
    /// 409: the resource already exists.
    public static func conflict(_ message: String) -> Self { .init(.conflict, message) }

    public var description: String { "\(status.code) \(message)" }
}
