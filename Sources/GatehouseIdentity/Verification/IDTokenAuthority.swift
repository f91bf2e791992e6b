import Foundation
import GatehouseCore
import GatehouseHTTP

/// Verifies ID tokens of one issuer for a service that signs nobody in itself (the fleet collector):
/// the same checks as sign-in (`IDTokenVerifier`: signature by the issuer's JWKS, `iss`, `aud`, times),
/// with the issuer's keys kept in memory only.
public struct IDTokenAuthority: Sendable {
    private let verifier: IDTokenVerifier
    private let clock: any IdentityClock

    /// An authority for tokens issued by `configuration.issuer` to `configuration.clientID`.
    public init(configuration: IdentityConfiguration, http: HTTPClient, clock: any IdentityClock = SystemIdentityClock()) {
        let oauth = OAuthClient(configuration: configuration, http: http)
        self.clock = clock
        verifier = IDTokenVerifier(
            issuer: configuration.issuer, audience: configuration.clientID, skew: configuration.allowedClockSkew,
            jwks: JWKSCache(issuer: configuration.issuer, store: nil, http: http, clock: clock),
            jwksURI: { try await oauth.metadata().jwks_uri })
    }

    /// The person the token names (with its groups), or `IdentityError.invalidIDToken` saying why not.
    public func verify(_ idToken: String) async throws -> Principal {
        try await verifier.verify(idToken, nonce: nil, now: clock.now).principal
    }
}
