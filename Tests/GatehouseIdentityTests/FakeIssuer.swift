import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import Hummingbird
import JWTKit
import Synchronization

@testable import GatehouseIdentity

/// An issuer whose signing key the test holds (ES256), so it can mint good and bad ID tokens.
final class FakeIssuer: Sendable {
    let server: LoopbackServer
    private let currentKey = Mutex(ES256PrivateKey())
    let kid = "test-key-1"

    /// The key published under `kid` (and signing by default).
    var key: ES256PrivateKey { currentKey.withLock { $0 } }

    /// Replaces the key under the same kid, as an IdP rotating without a new kid would.
    func replaceKey() { currentKey.withLock { $0 = ES256PrivateKey() } }
    let jwksFetches = Mutex(0)

    private init(server: LoopbackServer) { self.server = server }

    static func start() async throws -> FakeIssuer {
        let box = Mutex<FakeIssuer?>(nil)
        let server = try await LoopbackServer.start { router in
            router.get("/.well-known/openid-configuration") { _, _ -> Response in
                let base = box.withLock { $0!.server.url }
                let document =
                    "{\"issuer\":\"\(base)\",\"authorization_endpoint\":\"\(base)/authorize\",\"token_endpoint\":\"\(base)/token\",\"jwks_uri\":\"\(base)/jwks\"}"
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
            }
            router.get("/jwks") { _, _ -> Response in
                let issuer = box.withLock { $0! }
                issuer.jwksFetches.withLock { $0 += 1 }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: issuer.jwks)))
            }
        }
        let issuer = FakeIssuer(server: server)
        box.withLock { $0 = issuer }
        return issuer
    }

    var url: String { server.url }

    var jwks: String {
        let (x, y) = key.publicKey.parameters!
        return "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"\(x)\",\"y\":\"\(y)\",\"kid\":\"\(kid)\",\"alg\":\"ES256\",\"use\":\"sig\"}]}"
    }

    /// An ID token with the given claims, signed by `signer` (default: the published key).
    func token(
        iss: String? = nil, aud: [String] = ["gatehouse"], exp: Date = Date().addingTimeInterval(300), nonce: String? = nil,
        signer: ES256PrivateKey? = nil, kid: String? = nil
    ) async throws -> String {
        let claims = IDTokenClaims(
            iss: .init(value: iss ?? url), sub: "alice", aud: .init(value: aud), exp: .init(value: exp), iat: .init(value: Date()),
            nbf: nil, nonce: nonce, email: "alice@example.com", name: "Alice", groups: ["team-a"])
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: signer ?? key, kid: JWKIdentifier(string: kid ?? self.kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? self.kid))
    }

    func verifier(store: GatehouseStore.Store, http: GatehouseHTTP.HTTPClient) -> IDTokenVerifier {
        let base = url
        return IDTokenVerifier(
            issuer: base, audience: "gatehouse", skew: 60, jwks: JWKSCache(issuer: base, store: store, http: http),
            jwksURI: { base + "/jwks" })
    }
}
