import Foundation
import GatehouseHTTP

/// Why a Dataproc call or a job request failed. Messages never quote tokens.
public enum DataprocError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The job spec does not fit the discovery document or Gatehouse's rules; every problem is listed.
    case invalidSpec([String])
    /// The entity does not name its Dataproc target.
    case notConfigured(entity: String, missing: [String])
    /// Dataproc could not be reached (connection, timeout, circuit open); `retryAt` when known.
    case unreachable(detail: String, retryAt: Date?)
    /// No access token could be had (not signed in, STS unreachable…).
    case credentials(String)
    /// Dataproc answered with an error (Google's `{error: {code, message, status}}`).
    case upstream(status: Int, code: String?, message: String, retryAt: Date?)
    /// Dataproc answered with something that is not the expected resource.
    case unexpectedResponse(String)
    /// No such local job.
    case unknownJob(String)
    /// No such local batch.
    case unknownBatch(String)
    /// The job is in a state that does not allow the request.
    case conflict(String)
    /// A local database failure.
    case store(String)

    /// True when the same request may succeed later, so the outbox keeps it and tries again.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .credentials: true
        case .upstream(let status, _, _, _): status == 401 || status == 408 || status == 429 || status >= 500
        case .invalidSpec, .notConfigured, .unexpectedResponse, .unknownJob, .unknownBatch, .conflict, .store: false
        }
    }

    /// True for Google's "already exists" answer, which for a job id Gatehouse chose means an earlier attempt got through.
    public var isAlreadyExists: Bool {
        if case .upstream(let status, let code, _, _) = self { return status == 409 || code == "ALREADY_EXISTS" }
        return false
    }

    /// The earliest time a retry makes sense, when the upstream said so.
    public var retryAt: Date? {
        switch self {
        case .unreachable(_, let at), .upstream(_, _, _, let at): at
        default: nil
        }
    }

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidSpec(let problems):
            "the job spec is not valid: " + problems.joined(separator: "; ")
        case .notConfigured(let entity, let missing):
            "\(entity) does not name its Dataproc target: add the annotation(s) \(missing.joined(separator: ", ")) to its catalog-info.yaml"
        case .unreachable(let detail, _):
            "Dataproc is unreachable (\(detail)); queued jobs are sent when it is back"
        case .credentials(let detail):
            "no Google access token for Dataproc: \(detail)"
        case .upstream(let status, let code, let message, _):
            "Dataproc answered \(status)\(code.map { " \($0)" } ?? ""): \(message)"
        case .unexpectedResponse(let detail):
            "unexpected answer from Dataproc: \(detail)"
        case .unknownJob(let id):
            "no job \(id) is known here; list jobs with `gatehouse job ls`"
        case .unknownBatch(let id):
            "no batch \(id) is known here; list batches with `gatehouse batch ls`"
        case .conflict(let detail):
            detail
        case .store(let detail):
            "the local job store failed: \(detail)"
        }
    }

    /// The HTTP failure as a Dataproc error.
    static func from(_ error: HTTPError) -> DataprocError {
        switch error {
        // The breaker's own reopening time is a wall-clock guess, not the upstream's request: the
        // outbox backs off by its own (monotonic) pauses instead, so a clock set back cannot stretch them.
        case .circuitOpen: .unreachable(detail: error.description, retryAt: nil)
        case .undecodable(_, let detail): .unexpectedResponse(detail)
        default: error.isRetryableLater ? .unreachable(detail: error.description, retryAt: nil) : .unexpectedResponse(error.description)
        }
    }
}
