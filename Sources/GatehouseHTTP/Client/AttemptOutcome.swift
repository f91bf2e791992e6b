import CCurl
import Foundation

/// What one attempt produced and what that means for retrying and for the circuit breaker.
enum AttemptOutcome: Sendable {
    case response(HTTPResponse)
    case failure(HTTPError, retryable: Bool, verdict: CircuitBreaker.Verdict)

    /// How the breaker should count this attempt: 5xx and transport failures count against the upstream.
    var verdict: CircuitBreaker.Verdict {
        switch self {
        case .response(let response): response.status >= 500 ? .failed : .healthy
        case .failure(_, _, let verdict): verdict
        }
    }
}

extension AttemptOutcome {
    /// Classifies libcurl's result for `call`.
    init(_ outcome: CurlOutcome, call: CallContext) {
        switch outcome {
        case .cancelled:
            self = .failure(.cancelled(upstream: call.upstream), retryable: false, verdict: .neutral)
        case .shutDown:
            self = .failure(.transport(upstream: call.upstream, detail: "the HTTP client was shut down"), retryable: false, verdict: .neutral)
        case .finished(let completion):
            self = Self.classify(completion, call: call)
        }
    }

    private static func classify(_ completion: CurlCompletion, call: CallContext) -> AttemptOutcome {
        let upstream = call.upstream
        if completion.code == CURLE_OK {
            return .response(HTTPResponse(status: completion.status, headers: completion.headers, body: completion.body, upstream: upstream))
        }
        if completion.exceededLimit || completion.code == CURLE_FILESIZE_EXCEEDED {
            return .failure(.responseTooLarge(upstream: upstream, limit: call.maxResponseBytes), retryable: false, verdict: .neutral)
        }
        let detail = call.scrubber.scrub(describe(completion))
        switch completion.code {
        case CURLE_OPERATION_TIMEDOUT where call.deadlineReached:
            return .failure(.timedOut(upstream: upstream, after: call.budget), retryable: false, verdict: .failed)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .failure(.invalidURL(call.loggableURL), retryable: false, verdict: .neutral)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            // A certificate problem will not go away by trying again in a few milliseconds.
            return .failure(.connectionFailed(upstream: upstream, detail: "TLS verification failed: \(detail)"), retryable: false, verdict: .failed)
        default:
            break
        }
        if completion.bytesSent == 0 {
            // Nothing reached the server, so even a non-idempotent request is safe to send again.
            return .failure(.connectionFailed(upstream: upstream, detail: detail), retryable: true, verdict: .failed)
        }
        return .failure(.transport(upstream: upstream, detail: detail), retryable: call.request.isIdempotent, verdict: .failed)
    }

    private static func describe(_ completion: CurlCompletion) -> String {
        let summary = CurlRuntime.message(for: completion.code)
        let detail = completion.errorText.trimmingCharacters(in: .whitespacesAndNewlines)
        return detail.isEmpty || detail == summary ? summary : "\(summary) (\(detail))"
    }
}
