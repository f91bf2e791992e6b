import Foundation
import GatehouseCore

/// What an upstream answered. Any status is a response; only failures to get one throw.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// How many tries the call took.
    public var attempts: Int
    /// The upstream that answered, for error messages.
    public var upstream: String

    /// A response as the client or a test double builds it.
    public init(status: Int, headers: HTTPHeaders = .init(), body: Data = Data(), attempts: Int = 1, upstream: String = "upstream") {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
        self.upstream = upstream
    }

    /// True for 2xx statuses.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded from JSON; the error names the upstream, status and type but never quotes the body.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws(HTTPError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw .undecodable(upstream: upstream, detail: "status \(status), expected \(T.self): \(Self.summary(of: error))")
        } catch {
            throw .undecodable(upstream: upstream, detail: "status \(status), expected \(T.self): not valid JSON")
        }
    }

    /// The body as an untyped JSON value (see `JSONParser`); the error gives the byte offset, never body text.
    public func json() throws(HTTPError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .undecodable(upstream: upstream, detail: "status \(status): not valid JSON (\(error.reason) at byte \(error.offset))")
        }
    }

    /// Where decoding failed, without the decoder's debug text (which can quote body fragments).
    private static func summary(of error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "at the top level" : "at \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" \(path(context))"
        case .typeMismatch(let type, let context): return "wrong type, expected \(type) \(path(context))"
        case .valueNotFound(let type, let context): return "null where \(type) was expected \(path(context))"
        case .dataCorrupted(let context): return "not valid JSON or an invalid value \(path(context))"
        @unknown default: return "not decodable"
        }
    }
}
