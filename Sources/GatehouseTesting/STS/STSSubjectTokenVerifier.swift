import Foundation
import GatehouseCore
import JWTKit

/// Checks an external ID token the way Google STS does for an OIDC workload identity provider:
/// RS256/ES256 with a `kid` from the issuer's JWKS, then `iss`, `aud` and the time claims.
struct STSSubjectTokenVerifier: Sendable {
    let trusted: TrustedIssuer
    let cache: STSJWKSCache
    let allowedClockSkew: TimeInterval

    /// The verified claims, or `invalid_grant` saying which check failed.
    func verify(_ token: String, now: Date) async throws(OAuthError) -> STSSubjectTokenClaims {
        let header = try Self.header(of: token)
        // Checked before any key is touched: `none` and HMAC would let a caller forge tokens.
        guard let alg = header["alg"]?.stringValue, alg == "RS256" || alg == "ES256" else {
            throw .invalidGrant(
                "the subject token must be signed with RS256 or ES256 (alg '\(header["alg"]?.stringValue ?? "missing")' is not accepted)")
        }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else {
            throw .invalidGrant("the subject token header has no kid; the issuer must name its signing key")
        }
        let jwk = try await cache.key(kid: kid, now: now)
        try Self.check(jwk, matches: alg)
        let claims: STSSubjectTokenClaims
        do {
            let keys = JWTKeyCollection()
            try await keys.add(jwk: jwk)
            claims = try await keys.verify(token, as: STSSubjectTokenClaims.self)
        } catch {
            throw .invalidGrant("the subject token's signature does not verify against the issuer's key '\(kid)'")
        }
        try check(claims, now: now)
        return claims
    }

    private func check(_ claims: STSSubjectTokenClaims, now: Date) throws(OAuthError) {
        guard claims.iss.value == trusted.issuer else {
            throw .invalidGrant("the subject token's iss '\(claims.iss.value)' is not the issuer configured for this provider ('\(trusted.issuer)')")
        }
        let accepted = trusted.acceptedTokenAudiences
        guard claims.aud.value.contains(where: accepted.contains) else {
            throw .invalidGrant("the subject token's aud \(claims.aud.value) does not match the provider's allowed audiences \(accepted)")
        }
        guard claims.exp.value > now else { throw .invalidGrant("the subject token has expired; get a fresh ID token") }
        guard claims.iat.value <= now.addingTimeInterval(allowedClockSkew) else {
            throw .invalidGrant("the subject token's iat is in the future; check the issuer's clock")
        }
        if let nbf = claims.nbf, nbf.value > now.addingTimeInterval(allowedClockSkew) {
            throw .invalidGrant("the subject token is not valid yet (nbf is in the future)")
        }
    }

    /// The decoded JOSE header of a compact JWT.
    private static func header(of token: String) throws(OAuthError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = OAuthBase64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(JSONValue.self, from: data), header.objectValue != nil
        else { throw .invalidGrant("the subject token is not a compact JWT") }
        return header
    }

    /// The key must be of the kind the header claims, so a token cannot pick a weaker algorithm.
    private static func check(_ jwk: JWK, matches alg: String) throws(OAuthError) {
        if let keyAlg = jwk.algorithm?.rawValue, keyAlg != alg {
            throw .invalidGrant("the subject token says alg \(alg) but key '\(jwk.keyIdentifier?.string ?? "")' is for \(keyAlg)")
        }
        let expectedType: JWK.KeyType = alg == "RS256" ? .rsa : .ecdsa
        guard jwk.keyType == expectedType else {
            throw .invalidGrant("the subject token says alg \(alg) but its key is of type \(jwk.keyType.rawValue)")
        }
    }
}
