import Hummingbird

/// A Google API error answer: `{"error": {"code", "message", "status"}}`.
struct GoogleAPIError: Error, CustomStringConvertible, Sendable {
    var httpStatus: HTTPResponse.Status
    /// The canonical status name, e.g. `PERMISSION_DENIED`.
    var status: String
    var message: String

    var description: String { "\(status): \(message)" }

    static func unauthenticated(_ message: String) -> GoogleAPIError { .init(httpStatus: .unauthorized, status: "UNAUTHENTICATED", message: message) }
    static func permissionDenied(_ message: String) -> GoogleAPIError { .init(httpStatus: .forbidden, status: "PERMISSION_DENIED", message: message) }
    static func invalidArgument(_ message: String) -> GoogleAPIError { .init(httpStatus: .badRequest, status: "INVALID_ARGUMENT", message: message) }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: Int
            var message: String
            var status: String
        }
        var error: Detail
    }

    func response() -> Response {
        OAuthHTTP.json(Body(error: .init(code: httpStatus.code, message: message, status: status)), status: httpStatus)
    }
}
