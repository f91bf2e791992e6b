import CCurl
import Foundation

/// How one libcurl transfer ended.
enum CurlOutcome: Sendable {
    case finished(CurlCompletion)
    /// The calling task was cancelled and the transfer aborted.
    case cancelled
    /// The client shut down before the transfer finished.
    case shutDown
}

/// What libcurl reported for a transfer that ran to completion or failed on its own.
struct CurlCompletion: Sendable {
    var code: CURLcode
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    /// Request bytes (headers and body) that left this host; 0 means the server cannot have seen the request.
    var bytesSent: Int
    /// libcurl's detailed error text (may be empty).
    var errorText: String
    /// The write callback aborted because the body exceeded the configured limit.
    var exceededLimit: Bool
}
