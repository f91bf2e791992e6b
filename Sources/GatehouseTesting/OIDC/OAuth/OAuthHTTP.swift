import Foundation
import GatehouseCore
import Hummingbird

/// The small HTTP chores every OAuth-style sandbox endpoint shares: reading forms, writing JSON.
enum OAuthHTTP {
    /// Bodies larger than this are refused; OAuth requests are a few kilobytes at most.
    static let maxBodySize = 256 * 1024

    /// The raw request body as text.
    static func bodyText(of request: Request) async throws -> String {
        let buffer = try await request.body.collect(upTo: maxBodySize)
        return String(buffer: buffer)
    }

    /// Decodes `application/x-www-form-urlencoded` text into its fields (later duplicates win).
    static func formFields(_ text: String) throws(OAuthError) -> [String: String] {
        guard !text.isEmpty else { return [:] }
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch {
            throw .invalidRequest("the body is not valid application/x-www-form-urlencoded text")
        }
    }

    /// Reads a form-encoded request body.
    static func form(of request: Request) async throws -> [String: String] {
        try formFields(try await bodyText(of: request))
    }

    /// The query parameters of a GET request as a plain dictionary (percent-decoded).
    static func query(of request: Request) -> [String: String] {
        var fields: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            fields[String(key)] = String(value)
        }
        return fields
    }

    /// The token of an `Authorization: Bearer <token>` header, if there is one.
    static func bearerToken(of request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// A JSON response; token answers must not be cached (RFC 6749 §5.1).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        // Encoding our own plain response structs cannot fail; an empty object keeps the answer well-formed.
        let data = (try? JSONEncoder.gatehouse.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// An HTML page (the sandbox's consent and device-verification forms).
    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: page))
        )
    }

    /// A plain-text response, for errors that cannot be redirected back to a client.
    static func text(_ message: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: message + "\n"))
        )
    }
}
