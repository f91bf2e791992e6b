import GatehouseCore
import Hummingbird

/// The error body shape each upstream uses, so clients see the same errors as from the real service.
public enum UpstreamErrorStyle: Sendable {
    /// `{error:{name,message}, request:{method,url}, response:{statusCode}}`
    case backstage
    /// `{message, documentation_url}`
    case looker
    /// `{error:{code, message, status}}`
    case google
    /// RFC 6749 `{error, error_description}`
    case oauth
    /// `{error: message}` for the admin API.
    case admin

    /// The style an upstream answers errors in.
    public static func of(_ upstream: SandboxUpstream) -> UpstreamErrorStyle {
        switch upstream {
        case .backstage: .backstage
        case .looker: .looker
        case .dataproc, .iamcredentials, .storage: .google
        case .sts, .oidc: .oauth
        case .admin: .admin
        }
    }

    /// The error rendered as a response in this style.
    func response(for error: SandboxHTTPError, request: Request) -> Response {
        JSONResponse.make(
            body(status: error.status, message: error.message, code: error.code, request: request), status: error.status, headers: error.headers)
    }

    func body(status: HTTPResponse.Status, message: String, code: String? = nil, request: Request) -> JSONValue {
        switch self {
        case .backstage:
            [
                "error": ["name": .string(code ?? Self.backstageName(status)), "message": .string(message)],
                "request": ["method": .string(request.method.rawValue), "url": .string(request.uri.description)],
                "response": ["statusCode": .int(Int64(status.code))],
            ]
        case .looker:
            ["message": .string(message), "documentation_url": "https://cloud.google.com/looker/docs/"]
        case .google:
            ["error": ["code": .int(Int64(status.code)), "message": .string(message), "status": .string(code ?? Self.googleStatus(status))]]
        case .oauth:
            ["error": .string(code ?? Self.oauthCode(status)), "error_description": .string(message)]
        case .admin:
            ["error": .string(message)]
        }
    }

    /// Google's canonical status name for an HTTP status.
    static func googleStatus(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ALREADY_EXISTS"
        case 412: "FAILED_PRECONDITION"
        case 429: "RESOURCE_EXHAUSTED"
        case 501: "UNIMPLEMENTED"
        case 503: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        default: status.code >= 500 ? "INTERNAL" : "UNKNOWN"
        }
    }

    static func backstageName(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "InputError"
        case 401: "AuthenticationError"
        case 403: "NotAllowedError"
        case 404: "NotFoundError"
        case 409: "ConflictError"
        case 429: "TooManyRequestsError"
        case 503: "ServiceUnavailableError"
        default: "Error"
        }
    }

    static func oauthCode(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "invalid_client"
        case 403: "access_denied"
        case 429: "slow_down"
        case 400..<500: "invalid_request"
        default: "server_error"
        }
    }
}
