import GatehouseHTTP

/// Why driver output could not be read. Messages never quote tokens.
public enum DriverOutputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The workload names no `gs://` output location (yet).
    case noOutputLocation(String)
    /// No access token could be had.
    case credentials(String)
    /// Cloud Storage could not be reached (connection, timeout, circuit open).
    case unreachable(String)
    /// Cloud Storage answered with an error.
    case upstream(status: Int, message: String)
    /// Cloud Storage answered with something that is not the expected resource.
    case unexpectedResponse(String)

    /// True when the same read may succeed later.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .credentials: true
        case .upstream(let status, _): status == 401 || status == 408 || status == 429 || status >= 500
        case .noOutputLocation, .unexpectedResponse: false
        }
    }

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .noOutputLocation(let detail): "no driver output location: \(detail)"
        case .credentials(let detail): "no Google access token for Cloud Storage: \(detail)"
        case .unreachable(let detail): "Cloud Storage is unreachable (\(detail))"
        case .upstream(let status, let message): "Cloud Storage answered \(status): \(message)"
        case .unexpectedResponse(let detail): "unexpected answer from Cloud Storage: \(detail)"
        }
    }

    static func from(_ error: HTTPError) -> DriverOutputError {
        error.isRetryableLater ? .unreachable(error.description) : .unexpectedResponse(error.description)
    }
}
