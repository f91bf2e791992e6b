import Foundation
import GatehouseCore
import GatehouseHTTP

/// One chunk of driver output.
public struct DriverOutputChunk: Sendable, Equatable {
    /// Its number (0 for `…driveroutput.000000000`).
    public var index: Int
    /// Its object generation, which changes if the object is ever rewritten.
    public var generation: String
    /// The bytes the driver wrote.
    public var data: Data
}

/// Reads a workload's driver output through the Cloud Storage JSON API (objects.list, then
/// objects.get `alt=media` for each new chunk) with the caller's token, from any chunk on, so a
/// reader that stopped resumes where it left off without repeating output.
///
/// Knows nothing of RPC or identity: the token comes from a closure, as for `DataprocClient`.
public struct DriverOutputReader: Sendable {
    /// The circuit-breaker / offline name of this upstream.
    public static let upstream = "storage"

    private let http: HTTPClient
    private let root: String
    private let token: DataprocClient.TokenProvider
    private let timeout: Duration

    /// A reader for the API at `baseURL` (`https://storage.googleapis.com/`); `timeout` bounds each call, retries included.
    public init(http: HTTPClient, baseURL: String, timeout: Duration = .seconds(15), token: @escaping DataprocClient.TokenProvider) {
        self.http = http
        self.root = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.timeout = timeout
        self.token = token
    }

    /// The chunks written so far from number `first` on, in order. Stops at the first missing
    /// number: chunks are written in order, so a later one without its predecessor is not yet
    /// followed, and the caller's next read starts at the gap.
    public func chunks(of location: DriverOutputLocation, from first: Int = 0) async throws(DriverOutputError) -> [DriverOutputChunk] {
        let bearer: String
        do {
            bearer = try await token()
        } catch {
            throw .credentials("\(error)")
        }
        var found: [Int: (name: String, generation: String)] = [:]
        var pageToken: String?
        repeat {
            var query = [
                ("prefix", location.prefix + "."), ("startOffset", location.chunkName(first)), ("fields", "items(name,generation),nextPageToken"),
            ]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let page = try await get("storage/v1/b/\(Self.encoded(location.bucket))/o?" + FormEncoding.encode(query), bearer: bearer)
            let listing: JSONValue
            do {
                listing = try JSONParser.parse(page)
            } catch {
                throw .unexpectedResponse("objects.list did not answer JSON")
            }
            for item in listing["items"]?.arrayValue ?? [] {
                guard let name = item["name"]?.stringValue, let index = location.chunkIndex(of: name), index >= first else { continue }
                found[index] = (name, item["generation"]?.stringValue ?? "")
            }
            pageToken = listing["nextPageToken"]?.stringValue
        } while pageToken != nil
        var chunks: [DriverOutputChunk] = []
        var index = first
        while let object = found[index] {
            let path =
                "storage/v1/b/\(Self.encoded(location.bucket))/o/\(Self.encoded(object.name))?"
                + FormEncoding.encode([("alt", "media"), ("generation", object.generation)].filter { !$0.1.isEmpty })
            chunks.append(DriverOutputChunk(index: index, generation: object.generation, data: try await get(path, bearer: bearer)))
            index += 1
        }
        return chunks
    }

    /// Follows the output from chunk `first` on: yields each chunk as it appears, reading every
    /// `interval`, and finishes after the first read that began once `ended` said the workload
    /// ended (so the driver's last chunk is included). Passing failures (unreachable, 5xx, 429)
    /// are read through again at the next interval; others end the stream with the error.
    public func follow(
        _ location: DriverOutputLocation, from first: Int = 0, interval: Duration = .seconds(1),
        ended: @escaping @Sendable () async throws -> Bool
    ) -> AsyncThrowingStream<DriverOutputChunk, any Error> {
        let (stream, continuation) = AsyncThrowingStream<DriverOutputChunk, any Error>.makeStream()
        let task = Task {
            var next = first
            do {
                while true {
                    let wasOver = try await ended()
                    do throws(DriverOutputError) {
                        for chunk in try await chunks(of: location, from: next) {
                            continuation.yield(chunk)
                            next = chunk.index + 1
                        }
                        if wasOver { break }
                    } catch {
                        guard error.isRetryable else { throw error }
                        // A passing failure: read again at the next interval.
                    }
                    try await Task.sleep(for: interval)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func get(_ path: String, bearer: String) async throws(DriverOutputError) -> Data {
        var request = HTTPRequest(method: .GET, url: root + path, upstream: Self.upstream, idempotent: true, timeout: timeout)
        request.headers = HTTPHeaders([("Authorization", "Bearer " + bearer)])
        request.secrets = [bearer]
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw DriverOutputError.from(error)
        }
        guard response.isSuccess else {
            let message = (try? JSONParser.parse(response.body))?["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            throw .upstream(status: response.status, message: message)
        }
        return response.body
    }

    /// A path segment as the JSON API wants object and bucket names: everything but unreserved
    /// characters percent-encoded, `/` included.
    static func encoded(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: unreserved) ?? segment
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
