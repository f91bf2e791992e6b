import Foundation
import GatehouseHTTP

/// What a host (or the CLI) asks the collector, over GatehouseHTTP.
public struct CollectorClient: Sendable {
    /// The collector's base URL, without a trailing slash.
    public let baseURL: String
    let http: HTTPClient
    static let upstream = "collector"

    /// A client of the collector at `baseURL`.
    public init(baseURL: String, http: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
    }

    /// The collector's answer: accepted (cosigned), or refused with its kind and message.
    public enum ShipOutcome: Sendable, Equatable {
        /// Accepted; the cosigned checkpoint (the collector's latest for this host).
        case accepted(ShipmentReceipt)
        /// Refused with this HTTP status, kind and message.
        case refused(status: Int, FleetErrorBody.Detail)
    }

    /// Sends a shipment. Safe to repeat: the collector stores each (host, seq) once.
    public func ship(_ shipment: Shipment, hostID: String) async throws -> ShipOutcome {
        var request = try HTTPRequest.json(
            .POST, "\(baseURL)/v1/hosts/\(Self.pathSegment(hostID))/shipments", upstream: Self.upstream, body: shipment)
        request.idempotent = true
        let response = try await http.send(request)
        if response.status == 200 { return .accepted(try Self.decode(ShipmentReceipt.self, response)) }
        return .refused(status: response.status, try Self.errorDetail(response))
    }

    /// Registers the host key with the signed-in person's ID token; the collector's answer.
    public func register(_ registration: HostRegistration) async throws -> HostRegistered {
        var request = try HTTPRequest.json(.POST, "\(baseURL)/v1/hosts", upstream: Self.upstream, body: registration)
        request.idempotent = true
        request.secrets = [registration.idToken]
        let response = try await http.send(request)
        guard response.status == 200 else { throw CollectorClientError.refused(status: response.status, try Self.errorDetail(response)) }
        return try Self.decode(HostRegistered.self, response)
    }

    /// The latest cosigned checkpoint of `hostID` (signed-note text), or nil if the collector has none.
    /// `timeout` bounds the request (a verifier that falls back when the collector is slow).
    public func latestCheckpoint(hostID: String, timeout: Duration? = nil) async throws -> String? {
        var request = HTTPRequest.get("\(baseURL)/v1/hosts/\(Self.pathSegment(hostID))/checkpoint", upstream: Self.upstream)
        request.timeout = timeout
        let response = try await http.send(request)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw CollectorClientError.refused(status: response.status, try Self.errorDetail(response)) }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// A page of every host's records matching `query`, asked as the person of `idToken` (an auditor).
    public func query(_ query: FleetQuery, idToken: String) async throws -> FleetRecordPage {
        var components = URLComponents()
        components.queryItems = query.queryItems.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` is a space to many servers' query parsers: encode it as well.
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return try await authorizedGet("\(baseURL)/v1/records" + (encoded.isEmpty ? "" : "?" + encoded), idToken: idToken, as: FleetRecordPage.self)
    }

    /// The collector's re-verification of `hostID`'s stored chain, asked as an auditor.
    public func verify(hostID: String, idToken: String) async throws -> FleetChainReport {
        try await authorizedGet("\(baseURL)/v1/hosts/\(Self.pathSegment(hostID))/verify", idToken: idToken, as: FleetChainReport.self)
    }

    private func authorizedGet<T: Decodable>(_ url: String, idToken: String, as type: T.Type) async throws -> T {
        var request = HTTPRequest.get(url, upstream: Self.upstream)
        request.headers.replace("Authorization", "Bearer \(idToken)")
        request.secrets = [idToken]
        let response = try await http.send(request)
        guard response.status == 200 else { throw CollectorClientError.refused(status: response.status, try Self.errorDetail(response)) }
        return try Self.decode(type, response)
    }

    /// The witness's name and public key.
    public func witness() async throws -> WitnessInfo {
        let response = try await http.send(.get("\(baseURL)/v1/witness", upstream: Self.upstream))
        guard response.status == 200 else { throw CollectorClientError.refused(status: response.status, try Self.errorDetail(response)) }
        return try Self.decode(WitnessInfo.self, response)
    }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do { return try JSONDecoder().decode(type, from: response.body) } catch {
            throw CollectorClientError.unreadable("the collector answered \(response.status) with a body that is not a \(type)")
        }
    }

    static func errorDetail(_ response: HTTPResponse) throws -> FleetErrorBody.Detail {
        if let body = try? JSONDecoder().decode(FleetErrorBody.self, from: response.body) { return body.error }
        return FleetErrorBody.Detail(kind: "http_\(response.status)", message: "the collector answered HTTP \(response.status)")
    }
}

/// The collector could not be asked, or answered something other than what was asked for.
public enum CollectorClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An error answer.
    case refused(status: Int, FleetErrorBody.Detail)
    /// An answer that cannot be read.
    case unreadable(String)

    /// A sentence.
    public var description: String {
        switch self {
        case .refused(let status, let detail): "the collector refused (\(status) \(detail.kind)): \(detail.message)"
        case .unreadable(let reason): reason
        }
    }
}
