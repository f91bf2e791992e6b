import Foundation
import GatehouseCore
import GatehouseHTTP

/// Dataproc v1 `projects.regions.jobs` over the shared HTTP client: submit, get, cancel, list.
///
/// Knows nothing of RPC or identity: the access token comes from a closure the daemon passes in
/// (the identity module's Google token for the signed-in person).
public struct DataprocClient: Sendable {
    /// The OAuth scope every call needs.
    public static let scope = "https://www.googleapis.com/auth/cloud-platform"
    /// The circuit-breaker / offline name of this upstream.
    public static let upstream = "dataproc"

    /// Returns a Bearer token for Dataproc, or throws when none can be had.
    public typealias TokenProvider = @Sendable () async throws -> String

    private let http: HTTPClient
    private let root: String
    private let token: TokenProvider
    private let timeout: Duration

    /// A client for the API at `baseURL` (`https://dataproc.googleapis.com/`); `timeout` bounds each call, retries included.
    public init(http: HTTPClient, baseURL: String, timeout: Duration = .seconds(15), token: @escaping TokenProvider) {
        self.http = http
        self.root = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.timeout = timeout
        self.token = token
    }

    /// `jobs.submit`. Idempotent through `requestId`: a repeat returns the job the first one made.
    public func submit(_ job: JSONValue, requestID: String, at location: DataprocLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.POST, location.regionPath + "/jobs:submit", body: Self.submitBody(job, requestID: requestID))
    }

    /// The body of `jobs.submit`.
    public static func submitBody(_ job: JSONValue, requestID: String) -> JSONValue {
        ["job": job, "requestId": .string(requestID)]
    }

    /// `jobs.get`.
    public func job(_ jobID: String, at location: DataprocLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.GET, location.regionPath + "/jobs/" + jobID)
    }

    /// `jobs.cancel`: asks Dataproc to stop an active job; returns the job.
    public func cancel(_ jobID: String, at location: DataprocLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.POST, location.regionPath + "/jobs/\(jobID):cancel", body: .object([:]))
    }

    /// `jobs.list`, one page: `{jobs, nextPageToken}`.
    public func list(
        at location: DataprocLocation, clusterName: String? = nil, stateMatcher: String? = nil, pageToken: String? = nil
    ) async throws(DataprocError) -> JSONValue {
        var query: [(String, String)] = []
        if let clusterName { query.append(("clusterName", clusterName)) }
        if let stateMatcher { query.append(("jobStateMatcher", stateMatcher)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        let suffix = query.isEmpty ? "" : "?" + FormEncoding.encode(query)
        return try await perform(.GET, location.regionPath + "/jobs" + suffix)
    }

    /// Sends one request to `path` (relative to the API root) and returns the decoded JSON body.
    ///
    /// Every request is marked idempotent: reads are, and Gatehouse's writes carry a `requestId`
    /// (or act on a fixed job id), so the HTTP client may repeat them after an ambiguous failure.
    public func perform(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws(DataprocError) -> JSONValue {
        let bearer: String
        do {
            bearer = try await token()
        } catch {
            throw .credentials("\(error)")
        }
        var headers = HTTPHeaders([("Authorization", "Bearer " + bearer), ("Accept", "application/json")])
        var request = HTTPRequest(method: method, url: root + path, upstream: Self.upstream, idempotent: true, timeout: timeout)
        if let body {
            headers.replace("Content-Type", "application/json")
            request.body = body.canonicalData()
        }
        request.headers = headers
        request.secrets = [bearer]
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw DataprocError.from(error)
        }
        guard response.isSuccess else { throw Self.error(from: response) }
        do {
            return try response.decode(JSONValue.self)
        } catch {
            throw DataprocError.from(error)
        }
    }

    /// Google's error body as a typed error; a body that is not Google's shape still gives the status.
    static func error(from response: HTTPResponse) -> DataprocError {
        let body = try? JSONParser.parse(response.body)
        let error = body?["error"]
        let message = error?["message"]?.stringValue ?? "HTTP \(response.status) without a Google error body"
        let retryAt = RetryAfterHeader.date(response.headers["Retry-After"])
        return .upstream(status: response.status, code: error?["status"]?.stringValue, message: message, retryAt: retryAt)
    }
}

/// `Retry-After` in seconds (the form Google and the sandbox send).
enum RetryAfterHeader {
    /// The longest wait honoured: the outbox pauses for it, and `Retry-After: 1e300` must not
    /// become a pause no integer can hold.
    static let maximum: Double = 3600

    static func date(_ value: String?, now: Date = Date()) -> Date? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0,
            let bounded = OutsideNumbers.clamped(seconds, to: 0...maximum)
        else { return nil }
        return now.addingTimeInterval(bounded)
    }
}
