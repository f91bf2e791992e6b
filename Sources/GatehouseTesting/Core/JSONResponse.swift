import Foundation
import GatehouseCore
import Hummingbird

/// Builds JSON responses and reads JSON/form request bodies for every sandbox upstream.
enum JSONResponse {
    /// A response carrying `value` as `application/json`.
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        raw(encode(value), status: status, headers: headers)
    }

    /// A response carrying already-encoded JSON bytes.
    static func raw(_ data: Data, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text response (CSV, error pages).
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// JSON text of `value` with sorted keys, so equal answers are equal bytes (never fails).
    static func encode(_ value: JSONValue) -> Data {
        (try? JSONEncoder.canonical.encode(value)) ?? Data("null".utf8)
    }

    /// The request body bytes, up to 16 MiB.
    static func body(of request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        return Data(buffer.readableBytesView)
    }

    /// The body parsed as a JSON value; an empty body or invalid JSON is a 400.
    static func jsonBody(of request: Request) async throws -> JSONValue {
        try json(from: try await body(of: request))
    }

    /// Body bytes already read, parsed as a JSON value; empty or invalid JSON is a 400. A request
    /// body is a stream that can be read only once, so a handler that looked at the bytes first
    /// parses them with this instead of reading the body again.
    static func json(from data: Data) throws(SandboxHTTPError) -> JSONValue {
        guard !data.isEmpty else { throw SandboxHTTPError.badRequest("Request body is empty; a JSON object is required.") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw SandboxHTTPError.badRequest("Request body is not valid JSON.")
        }
    }

    /// The body parsed as `application/x-www-form-urlencoded` (later duplicates win).
    static func formBody(of request: Request) async throws -> [String: String] {
        let data = try await body(of: request)
        return formFields(String(decoding: data, as: UTF8.self))
    }

    /// Decodes form or query text (later duplicates win).
    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in queryItems(text) { fields[name] = value }
        return fields
    }

    /// Query items in order, decoded as `application/x-www-form-urlencoded` (repeated names kept):
    /// `+` is a space, as every upstream's server (Google front ends, Express, Rails) reads it,
    /// and HTTP clients such as Python's `requests` send spaces that way. A malformed `%` escape
    /// is kept as sent rather than dropping the item.
    static func queryItems(_ query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (formDecoded(parts[0]), parts.count > 1 ? formDecoded(parts[1]) : "")
        }
    }

    private static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension Request {
    /// Query items in order, percent-decoded.
    var sandboxQueryItems: [(name: String, value: String)] { JSONResponse.queryItems(uri.query) }

    /// The last value of a query parameter (a repeat overrides, as in Google's front ends).
    func lastQueryValue(_ name: String) -> String? { sandboxQueryItems.last { $0.name == name }?.value }

    /// The `Authorization` header split into scheme (lowercased) and credentials.
    var authorizationCredentials: (scheme: String, credentials: String)? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        return (parts[0].lowercased(), String(parts[1]).trimmingCharacters(in: .whitespaces))
    }
}
