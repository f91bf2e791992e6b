import Foundation
import Hummingbird
import NIOCore

/// Sits in front of every route of one upstream: records the request, applies the faults set on
/// that upstream, and renders errors in the upstream's own shape.
struct UpstreamMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    let upstream: SandboxUpstream
    let faults: FaultBoard
    let log: RequestLog
    let clock: SandboxClock
    /// Called when an `expire-tokens` fault fires, so upstreams holding sessions can drop them.
    let onTokensExpired: @Sendable () -> Void

    /// Records full exchanges for the contract check, when enabled.
    let recorder: ExchangeRecorder?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        log.noteArrival(on: upstream)
        var entry = LoggedRequest(
            upstream: upstream, method: request.method.rawValue,
            path: RequestLog.loggablePath(path: request.uri.path, query: request.uri.query),
            status: nil, time: Date(), sandboxTime: clock.now, fault: nil)
        defer { log.append(entry) }
        guard let recorder else { return try await respond(request, context: context, entry: &entry, next: next) }

        var request = request
        let requestBody = Data(try await request.collectBody(upTo: 16 << 20).readableBytesView)
        var response = try await respond(request, context: context, entry: &entry, next: next)
        let responseBody = try await ResponseBodyCollector.collect(response.body)
        response.body = ResponseBody(byteBuffer: responseBody)
        let responseData = Data(responseBody.readableBytesView)
        let responseType = response.headers[.contentType]
        let truncated = responseData.count > ExchangeRecorder.bodyLimit
        recorder.record(
            RecordedExchange(
                upstream: upstream, route: context.endpointPath, method: request.method.rawValue, path: request.uri.path,
                query: RequestLog.redactedQuery(request.uri.query), requestContentType: request.headers[.contentType],
                authorizationScheme: request.authorizationCredentials?.scheme,
                requestBody: ExchangeRecorder.redactedBody(requestBody, contentType: request.headers[.contentType]),
                status: entry.status, responseContentType: responseType,
                responseBody: truncated ? "" : ExchangeRecorder.redactedBody(responseData, contentType: responseType),
                responseTruncated: truncated, fault: entry.fault))
        return response
    }

    /// Applies the faults and runs the route; notes the status and fault in `entry`.
    private func respond(
        _ request: Request, context: Context, entry: inout LoggedRequest, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let style = UpstreamErrorStyle.of(upstream)
        if let slow = faults.peek(.slow, on: upstream) {
            entry.fault = "slow"
            try await Task.sleep(for: .milliseconds(slow.milliseconds ?? 1000))
        }
        if let early = earlyFault(request) {
            entry.fault = early.fault
            let response = style.response(for: early.error, request: request)
            entry.status = Int(response.status.code)
            return response
        }
        let reset = faults.consume(.resetAfterBody, on: upstream)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as SandboxHTTPError {
            response = style.response(for: error, request: request)
        } catch let error as HTTPError {
            response = style.response(for: SandboxHTTPError(error.status, error.body ?? error.status.reasonPhrase), request: request)
        } catch let drop as DropConnection {
            entry.fault = drop.fault
            context.channel.close(mode: .all, promise: nil)
            return Response(status: .serviceUnavailable)
        }
        if reset != nil {
            // The work is done; closing before the response is written leaves the client with no answer.
            entry.fault = "reset-after-body"
            context.channel.close(mode: .all, promise: nil)
            return response
        }
        // A route that broke the contract on purpose says so; the client never sees the header.
        if let fault = response.headers[SandboxFaultHeader.name] {
            entry.fault = fault
            response.headers[SandboxFaultHeader.name] = nil
        }
        if faults.consume(.garbage, on: upstream) != nil {
            entry.fault = "garbage"
            response = Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"items":[{"apiVersion":"backst"#)))
        }
        entry.status = Int(response.status.code)
        return response
    }

    /// Faults that answer before the route runs.
    private func earlyFault(_ request: Request) -> (fault: String, error: SandboxHTTPError)? {
        let hasCredentials = request.headers[.authorization] != nil
        if hasCredentials, faults.consume(.revoke, on: upstream) != nil {
            return ("revoke", .unauthorized("The access token was revoked."))
        }
        if hasCredentials, faults.consume(.expireTokens, on: upstream) != nil {
            onTokensExpired()
            return ("expire-tokens", .unauthorized("The access token expired."))
        }
        if let fault = faults.consume(.status, on: upstream) {
            let status = HTTPResponse.Status(code: fault.status ?? 503)
            return ("status", SandboxHTTPError(status, "Injected fault: the upstream answered \(status.code)."))
        }
        if let fault = faults.consume(.ratelimit, on: upstream) {
            let seconds = fault.retryAfter ?? 1
            return (
                "ratelimit",
                SandboxHTTPError(.tooManyRequests, "Rate limit exceeded; retry after \(seconds) s.", headers: [.retryAfter: String(seconds)])
            )
        }
        return nil
    }
}

/// Reads a response body into one buffer, so it can be both recorded and sent.
private struct ResponseBodyCollector: ResponseBodyWriter {
    private final class Storage: @unchecked Sendable {
        // Only touched by the one task writing the body, before `collect` reads it.
        var buffer = ByteBuffer()
    }

    private let storage = Storage()

    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collector = ResponseBodyCollector()
        let storage = collector.storage
        try await body.write(collector)
        return storage.buffer
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var incoming = buffer
        storage.buffer.writeBuffer(&incoming)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Thrown by a route to have the connection closed without an answer (e.g. `drop-on-page`).
struct DropConnection: Error {
    /// The fault name recorded in the request log.
    var fault: String
}
