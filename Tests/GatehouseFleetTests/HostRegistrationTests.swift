import Crypto
import Foundation
import GatehouseAudit
import GatehouseCollector
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseIdentity
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// Hosts register with the signed-in person's ID token from the sandbox IdP, checked against its JWKS.
@Suite(.serialized) struct HostRegistrationTests {
    /// An ID token for `subject`, through the sandbox's device flow as the daemon's client.
    static func idToken(_ sandbox: Sandbox, subject: String, http: HTTPClient) async throws -> String {
        let issuer = sandbox.oidc.issuer
        let start = try await http.send(
            .form(issuer + "/device_authorization", upstream: "idp", fields: [("client_id", "gatehouse"), ("scope", "openid email groups")]))
        let device = try JSONParser.parse(start.body)
        try sandbox.oidc.approveDevice(userCode: try #require(device["user_code"]?.stringValue), subject: subject)
        let token = try await http.send(
            .form(
                issuer + "/token", upstream: "idp",
                fields: [
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", try #require(device["device_code"]?.stringValue)), ("client_id", "gatehouse"),
                ]))
        return try #require(
            try JSONParser.parse(token.body)["id_token"]?.stringValue, "no id_token in \(String(decoding: token.body, as: UTF8.self))")
    }

    @Test func aHostRegistersWithAnIDTokenAndOnlyItsKeyWritesItsChain() async throws {
        try await withSandbox { sandbox in
            try await withPrivatePostgres { postgres in
                var configuration = CollectorPostgresTests.configuration(postgres)
                var identity = IdentityConfiguration(issuer: sandbox.oidc.issuer, clientID: "gatehouse")
                identity.allowInsecureHTTP = true
                configuration.identity = identity
                try await using(try await Collector.start(configuration, logger: CollectorPostgresTests.quiet)) { collector in
                    let http = HTTPClient()
                    defer { http.shutdown() }
                    let client = CollectorClient(baseURL: "http://127.0.0.1:\(collector.port)", http: http)
                    let aliceToken = try await Self.idToken(sandbox, subject: "alice", http: http)
                    let hostKey = Curve25519.Signing.PrivateKey()

                    let registered = try await client.register(try HostRegistration.make(hostID: "alice-laptop", key: hostKey, idToken: aliceToken))
                    #expect(registered == HostRegistered(hostID: "alice-laptop", subject: "alice", email: "alice@example.com"))
                    #expect(
                        try await postgres.psql("SELECT person_subject, person_email FROM hosts WHERE host_id = 'alice-laptop'")
                            == "alice|alice@example.com\n")
                    let records = FleetFixtures.chain(2)
                    _ = try CollectorPostgresTests.accepted(
                        try await client.ship(
                            Shipment(checkpoint: try FleetFixtures.checkpoint("alice-laptop", records, key: hostKey).text, records: records),
                            hostID: "alice-laptop"))

                    // Bob, with his own valid token, cannot take over alice's host id with another key.
                    let bobToken = try await Self.idToken(sandbox, subject: "bob", http: http)
                    await Self.expectRefused(409, "host_key_conflict") {
                        _ = try await client.register(
                            try HostRegistration.make(hostID: "alice-laptop", key: Curve25519.Signing.PrivateKey(), idToken: bobToken))
                    }
                    // A proof made by another key than the one presented.
                    var stolen = try HostRegistration.make(hostID: "bob-laptop", key: Curve25519.Signing.PrivateKey(), idToken: bobToken)
                    stolen.publicKey = hostKey.publicKey.rawRepresentation.base64EncodedString()
                    await Self.expectRefused(401, "unauthenticated") { _ = try await client.register(stolen) }
                    // A token not signed by the IdP (its signature cut and replaced), and no token at all.
                    let parts = bobToken.split(separator: ".")
                    let forged = "\(parts[0]).\(parts[1]).\(String(parts[2].reversed()))"
                    await Self.expectRefused(401, "unauthenticated") {
                        _ = try await client.register(
                            try HostRegistration.make(hostID: "bob-laptop", key: Curve25519.Signing.PrivateKey(), idToken: forged))
                    }
                    await Self.expectRefused(401, "unauthenticated") {
                        _ = try await client.register(
                            try HostRegistration.make(hostID: "bob-laptop", key: Curve25519.Signing.PrivateKey(), idToken: "not-a-jwt"))
                    }
                    #expect(try await postgres.psql("SELECT count(*) FROM hosts") == "1\n")
                }
            }
        }
    }

    static func expectRefused(_ status: Int, _ kind: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a \(status) \(kind) refusal")
        } catch let CollectorClientError.refused(got, detail) {
            #expect(got == status && detail.kind == kind, "\(detail.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
