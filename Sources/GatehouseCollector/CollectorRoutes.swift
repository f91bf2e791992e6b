import Foundation
import GatehouseCore
import GatehouseFleet
import GatehouseIdentity
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// One route of the collector's API; `docs/collector-openapi.yaml` describes each (a test compares them).
public struct CollectorRoute: Sendable, Hashable {
    /// GET, POST, …
    public let method: String
    /// The path in OpenAPI form (`/v1/hosts/{host}/checkpoint`).
    public let path: String

    /// A route of `method` at `path`.
    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }
}

/// The collector's HTTP API over its store and witness key.
public struct CollectorAPI: Sendable {
    let store: CollectorStore
    let witness: Witness
    /// Checks the ID tokens hosts register with; nil when no IdP is configured (registration refused).
    let authority: IDTokenAuthority?
    /// ID-token groups whose members may read the fleet's records (`--auditor-group`).
    let auditorGroups: Set<String>
    /// The largest request body accepted (a shipment of a few thousand records).
    static let maximumBody = 32 << 20

    /// An API over `store`, cosigning with `witness`, registering hosts whose ID tokens `authority` accepts.
    public init(store: CollectorStore, witness: Witness, authority: IDTokenAuthority?, auditorGroups: Set<String> = []) {
        self.store = store
        self.witness = witness
        self.authority = authority
        self.auditorGroups = auditorGroups
    }

    /// Every route, as registered by `router()`.
    public static let routes: [CollectorRoute] = [
        CollectorRoute(method: "GET", path: "/v1/witness"),
        CollectorRoute(method: "POST", path: "/v1/hosts"),
        CollectorRoute(method: "POST", path: "/v1/hosts/{host}/shipments"),
        CollectorRoute(method: "GET", path: "/v1/hosts/{host}/checkpoint"),
        CollectorRoute(method: "GET", path: "/v1/hosts/{host}/alerts"),
        CollectorRoute(method: "GET", path: "/v1/hosts/{host}/verify"),
        CollectorRoute(method: "GET", path: "/v1/records"),
    ]

    /// The router serving the API.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/v1/witness") { _, _ in try Self.json(witness.info) }
        router.post("/v1/hosts") { request, _ in
            try await Self.answering {
                let body = try await request.body.collect(upTo: 1 << 20)
                guard let registration = try? JSONDecoder().decode(HostRegistration.self, from: Data(body.readableBytesView)) else {
                    throw CollectorError.badRequest("the body is not a registration (hostId, publicKey, idToken, proof)")
                }
                return try Self.json(try await register(registration))
            }
        }
        router.post("/v1/hosts/:host/shipments") { request, context in
            try await Self.answering {
                let host = try context.parameters.require("host")
                let body = try await request.body.collect(upTo: Self.maximumBody)
                let shipment: Shipment
                do { shipment = try JSONDecoder().decode(Shipment.self, from: Data(body.readableBytesView)) } catch {
                    throw CollectorError.badRequest("the body is not a shipment (checkpoint and records): \(error)")
                }
                return try Self.json(try await store.submit(hostID: host, shipment: shipment, witness: witness))
            }
        }
        router.get("/v1/hosts/:host/checkpoint") { _, context in
            try await Self.answering {
                let host = try context.parameters.require("host")
                guard let note = try await store.latestCheckpoint(host) else {
                    throw CollectorError.unknownHost(host)
                }
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
            }
        }
        router.get("/v1/hosts/:host/alerts") { request, context in
            try await Self.answering {
                let host = try context.parameters.require("host")
                return try await asAuditor(request, action: "alerts", params: ["host": .string(host)]) {
                    let alerts = try await store.alerts(hostID: host)
                    return (try Self.json(alerts), "\(alerts.count) alerts")
                }
            }
        }
        router.get("/v1/hosts/:host/verify") { request, context in
            try await Self.answering {
                let host = try context.parameters.require("host")
                return try await asAuditor(request, action: "verify", params: ["host": .string(host)]) {
                    let report = try await store.verifyChain(host)
                    return (try Self.json(report), report.intact ? "intact" : "broken at \(report.firstBrokenSeq ?? 0)")
                }
            }
        }
        router.get("/v1/records") { request, _ in
            try await Self.answering {
                let fields = request.uri.queryParameters
                var query = FleetQuery()
                query.since = fields["since"].map(String.init)
                query.until = fields["until"].map(String.init)
                query.principal = fields["principal"].map(String.init)
                query.host = fields["host"].map(String.init)
                query.method = fields["method"].map(String.init)
                query.entity = fields["entity"].map(String.init)
                query.decision = fields["decision"].map(String.init)
                query.outcome = fields["outcome"].map(String.init)
                query.cursor = fields["cursor"].map(String.init)
                if let limit = fields["limit"] {
                    guard let value = Int(limit), (1...FleetQuery.maxLimit).contains(value) else {
                        throw CollectorError.badRequest("limit must be 1…\(FleetQuery.maxLimit)")
                    }
                    query.limit = value
                }
                let params = JSONValue.object(Dictionary(uniqueKeysWithValues: query.queryItems.map { ($0.0, JSONValue.string($0.1)) }))
                return try await asAuditor(request, action: "query", params: params) {
                    let page = try await store.query(query)
                    return (try Self.json(page), "\(page.records.count) records")
                }
            }
        }
        return router
    }

    /// Binds a host key to a host id and the person the ID token names, once the token and the proof check out.
    func register(_ registration: HostRegistration) async throws -> HostRegistered {
        guard let authority else { throw CollectorError.registrationDisabled }
        guard !registration.hostID.isEmpty, registration.hostID.utf8.count <= 200,
            registration.hostID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) })
        else { throw CollectorError.badRequest("a host id is 1-200 letters, digits, '-', '.' or '_'") }
        guard let key = registration.verifiedKey() else {
            throw CollectorError.unauthenticated("the registration's proof is not a signature by the key it presents")
        }
        let person: Principal
        do { person = try await authority.verify(registration.idToken) } catch {
            // The error names the check that failed (issuer, audience, expiry, signature), never the token.
            throw CollectorError.unauthenticated("the ID token was refused: \(error)")
        }
        try await store.registerHost(registration.hostID, publicKey: key, person: person)
        return HostRegistered(hostID: registration.hostID, subject: person.subject, email: person.email)
    }

    /// Runs `body` for a member of an auditor group (from the bearer ID token's groups); every
    /// attempt, allowed or refused, is kept in `access_log`.
    func asAuditor(_ request: Request, action: String, params: JSONValue, _ body: () async throws -> (Response, String)) async throws -> Response {
        guard let authority else { throw CollectorError.registrationDisabled }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            try await store.logAccess(person: nil, action: action, params: params, allowed: false, outcome: "no ID token")
            throw CollectorError.unauthenticated("send the signed-in person's ID token as Authorization: Bearer")
        }
        let person: Principal
        do { person = try await authority.verify(String(header.dropFirst("Bearer ".count))) } catch {
            try await store.logAccess(person: nil, action: action, params: params, allowed: false, outcome: "ID token refused")
            throw CollectorError.unauthenticated("the ID token was refused: \(error)")
        }
        guard !auditorGroups.isDisjoint(with: person.groups) else {
            try await store.logAccess(person: person, action: action, params: params, allowed: false, outcome: "not an auditor")
            throw CollectorError.notAuditor(person.email ?? person.subject)
        }
        do {
            let (response, outcome) = try await body()
            try await store.logAccess(person: person, action: action, params: params, allowed: true, outcome: outcome)
            return response
        } catch {
            try await store.logAccess(person: person, action: action, params: params, allowed: true, outcome: "failed: \(error)")
            throw error
        }
    }

    /// Runs `body`; a `CollectorError` becomes its status and `{"error": {kind, message}}`.
    static func answering(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as CollectorError {
            let status = HTTPResponse.Status(code: error.status)
            return try json(FleetErrorBody(kind: error.kind, message: error.description), status: status)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
