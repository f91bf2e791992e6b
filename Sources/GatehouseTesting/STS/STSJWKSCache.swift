import Foundation
import JWTKit

/// One trusted issuer's JWKS, fetched through its closure and reused for a while; a `kid` it has
/// not seen triggers one refetch, which is how verifiers follow key rotation.
actor STSJWKSCache {
    private let fetch: @Sendable () async throws -> Data
    private let lifetime: TimeInterval
    private var cached: (keys: JWKS, fetchedAt: Date)?

    init(fetch: @escaping @Sendable () async throws -> Data, lifetime: TimeInterval) {
        self.fetch = fetch
        self.lifetime = lifetime
    }

    /// The JWK with `kid`, or nil when the issuer does not publish it even after a refetch.
    func key(kid: String, now: Date) async throws(OAuthError) -> JWK {
        if let cached, now.timeIntervalSince(cached.fetchedAt) < lifetime, let key = Self.find(kid, in: cached.keys) {
            return key
        }
        let fresh = try await refetch(now: now)
        guard let key = Self.find(kid, in: fresh) else {
            throw .invalidGrant("the subject token's kid '\(kid)' is not in the issuer's JWKS")
        }
        return key
    }

    private func refetch(now: Date) async throws(OAuthError) -> JWKS {
        let data: Data
        do {
            data = try await fetch()
        } catch {
            throw OAuthError("invalid_grant", "the issuer's JWKS could not be fetched: \(error)")
        }
        guard let keys = try? JSONDecoder().decode(JWKS.self, from: data) else {
            throw .invalidGrant("the issuer's JWKS is not a valid JWK set")
        }
        cached = (keys, now)
        return keys
    }

    private static func find(_ kid: String, in keys: JWKS) -> JWK? {
        keys.keys.first { $0.keyIdentifier?.string == kid }
    }
}
