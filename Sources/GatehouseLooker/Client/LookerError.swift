import GatehouseHTTP

/// Why a Looker call or a cached dashboard read failed. Messages never contain the client secret or a token.
public enum LookerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `looker.base_url` or the credentials are not configured.
    case notConfigured(String)
    /// The client secret file could not be read.
    case secretUnreadable(path: String, detail: String)
    /// Looker could not be reached (connection refused, timeout, circuit open, 5xx, 429); worth retrying later.
    case unavailable(String)
    /// Looker refused the API credentials.
    case loginRejected(status: Int)
    /// Looker has no such dashboard, or the Looker user may not see it (Looker answers 404 for both).
    case dashboardNotFound(id: String)
    /// Looker refused the call for this Looker user.
    case forbidden(String)
    /// Looker answered an error that retrying will not fix.
    case rejected(status: Int, message: String)
    /// Looker answered something that is not what the API documents.
    case undecodable(String)
    /// Never fetched, and Looker is unreachable now.
    case notAvailableOffline(dashboardID: String, detail: String)
    /// The local cache could not be read or written.
    case cache(String)

    /// True when the same call may work once Looker is reachable again.
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .notConfigured(let detail):
            "Looker is not configured: \(detail)"
        case .secretUnreadable(let path, let detail):
            "cannot read the Looker client secret file \(path) (looker.client_secret_file): \(detail)"
        case .unavailable(let detail):
            "Looker is unreachable: \(detail)"
        case .loginRejected(let status):
            "Looker refused the API credentials (HTTP \(status)); check looker.client_id and looker.client_secret_file"
        case .dashboardNotFound(let id):
            "Looker has no dashboard \(id) that this Looker user may see; check the entity's looker.com/dashboard-ids annotation and the folder permissions in Looker"
        case .forbidden(let detail):
            "Looker refused the request: \(detail)"
        case .rejected(let status, let message):
            "Looker answered HTTP \(status): \(message)"
        case .undecodable(let detail):
            "unexpected answer from Looker: \(detail)"
        case .notAvailableOffline(let id, let detail):
            "dashboard \(id) is not available offline: it was never fetched and Looker is unreachable (\(detail)); try again when Looker is reachable"
        case .cache(let detail):
            "the dashboard cache failed: \(detail)"
        }
    }

    /// Looker's reading of a transport failure.
    static func transport(_ error: HTTPError) -> LookerError {
        switch error {
        case .invalidURL: .notConfigured("looker.base_url is not a usable URL (\(error))")
        case .undecodable, .responseTooLarge, .invalidRequest: .undecodable(error.description)
        case .connectionFailed, .timedOut, .circuitOpen, .transport, .cancelled: .unavailable(error.description)
        }
    }
}
