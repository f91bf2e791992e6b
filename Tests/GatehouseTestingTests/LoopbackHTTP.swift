import Foundation
import GatehouseCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A tiny HTTP helper for tests only (GatehouseHTTP is being written in parallel): one
/// ephemeral URLSession per call, so a closed connection never poisons the next request.
struct LoopbackResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: body) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum LoopbackHTTP {
    static func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> LoopbackResponse {
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return LoopbackResponse(status: http.statusCode, headers: fields, body: data)
    }

    static func get(_ url: URL, headers: [String: String] = [:]) async throws -> LoopbackResponse {
        try await send("GET", url, headers: headers)
    }

    static func postJSON(_ url: URL, _ value: JSONValue, headers: [String: String] = [:]) async throws -> LoopbackResponse {
        var all = headers
        all["Content-Type"] = "application/json"
        return try await send("POST", url, headers: all, body: value.canonicalData())
    }
}

extension URL {
    /// The URL with a path and raw query appended.
    func with(_ pathAndQuery: String) -> URL { URL(string: absoluteString + pathAndQuery)! }
}
