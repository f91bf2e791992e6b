import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import JWTKit
import Synchronization
import Testing

@testable import GatehouseIdentity

@Suite("ID token verification")
struct IDTokenVerificationTests {
    func withVerifier(_ body: (FakeIssuer, IDTokenVerifier) async throws -> Void) async throws {
        let issuer = try await FakeIssuer.start()
        let directory = NSTemporaryDirectory() + "gatehouse-verify-" + UUID().uuidString
        let store = try Store(path: directory + "/db.sqlite")
        defer {
            store.close()
            issuer.server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try await body(issuer, issuer.verifier(store: store, http: HTTPClient(configuration: .init(retry: .none))))
    }

    func rejection(_ verifier: IDTokenVerifier, _ token: String, nonce: String? = nil) async -> IDTokenRejection? {
        do {
            _ = try await verifier.verify(token, nonce: nonce, now: Date())
            return nil
        } catch IdentityError.invalidIDToken(let rejection) {
            return rejection
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func acceptsAGoodTokenAndReadsThePrincipal() async throws {
        try await withVerifier { issuer, verifier in
            let verified = try await verifier.verify(try await issuer.token(nonce: "n1"), nonce: "n1", now: Date())
            #expect(verified.principal.subject == "alice")
            #expect(verified.principal.groups == ["team-a"])
            #expect(verified.principal.issuer == issuer.url)
        }
    }

    @Test func rejectsEachForgeryWithAClearReason() async throws {
        try await withVerifier { issuer, verifier in
            #expect(await rejection(verifier, try await issuer.token(signer: ES256PrivateKey())) == .badSignature)
            #expect(
                await rejection(verifier, try await issuer.token(aud: ["someone-else"]))
                    == .wrongAudience(expected: "gatehouse", found: ["someone-else"]))
            #expect(
                await rejection(verifier, try await issuer.token(iss: "https://evil.example"))
                    == .wrongIssuer(expected: issuer.url, found: "https://evil.example"))
            let expiredAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 120)
            #expect(await rejection(verifier, try await issuer.token(exp: expiredAt)) == .expired(at: expiredAt))
            #expect(await rejection(verifier, try await issuer.token(nonce: "other"), nonce: "mine") == .nonceMismatch)
            let good = try await issuer.token()
            let parts = good.split(separator: ".")
            let none = Base64URL.encode(Data(#"{"alg":"none","typ":"JWT","kid":"test-key-1"}"#.utf8)) + "." + parts[1] + "."
            #expect(await rejection(verifier, none) == .unsupportedAlgorithm("none"))
            let description = IdentityError.invalidIDToken(.unsupportedAlgorithm("none")).description
            #expect(description.contains("none") && description.contains("RS256"))
        }
    }

    @Test func withinSkewExpiryIsAcceptedButNotBeyond() async throws {
        try await withVerifier { issuer, verifier in
            let token = try await issuer.token(exp: Date().addingTimeInterval(-30))
            _ = try await verifier.verify(token, nonce: nil, now: Date())
            #expect(await rejection(verifier, try await issuer.token(exp: Date().addingTimeInterval(-90))) != nil)
        }
    }

    @Test func unknownKidRefetchesTheJWKSExactlyOnce() async throws {
        try await withVerifier { issuer, verifier in
            _ = try await verifier.verify(try await issuer.token(), nonce: nil, now: Date())
            _ = try await verifier.verify(try await issuer.token(), nonce: nil, now: Date())
            #expect(issuer.jwksFetches.withLock { $0 } == 1)  // cached, not fetched per verification
            #expect(await rejection(verifier, try await issuer.token(kid: "rotated-key")) == .unknownKeyID("rotated-key"))
            #expect(issuer.jwksFetches.withLock { $0 } == 2)  // exactly one refetch for the unknown kid
            #expect(await rejection(verifier, try await issuer.token(kid: "made-up")) == .unknownKeyID("made-up"))
            #expect(issuer.jwksFetches.withLock { $0 } == 2)  // made-up kids cannot make it hammer the IdP
        }
    }

    /// A rotation that reuses the kid with a new key: the first failure refetches once and the
    /// legitimate token verifies; a forgery right after causes no further fetch.
    @Test func aKeyReplacedUnderTheSameKidIsPickedUpAndForgeriesDoNotRefetch() async throws {
        try await withVerifier { issuer, verifier in
            _ = try await verifier.verify(try await issuer.token(), nonce: nil, now: Date())
            #expect(issuer.jwksFetches.withLock { $0 } == 1)
            issuer.replaceKey()
            _ = try await verifier.verify(try await issuer.token(), nonce: nil, now: Date())
            #expect(issuer.jwksFetches.withLock { $0 } == 2)
            #expect(await rejection(verifier, try await issuer.token(signer: ES256PrivateKey())) == .badSignature)
            #expect(issuer.jwksFetches.withLock { $0 } == 2)
        }
    }
}
