import Foundation
import GatehouseCore
import JWTKit

/// Checks an ID token the way OIDC Core §3.1.3.7 asks: signature by the issuer's key, `iss`,
/// `aud`, `exp`/`nbf`/`iat` within a bounded skew, and `nonce` when the sign-in sent one.
struct IDTokenVerifier: Sendable {
    static let acceptedAlgorithms: Set<String> = ["RS256", "ES256"]
    /// The furthest from now an `exp`, `iat` or `nbf` may be. Real ID tokens live minutes to
    /// hours; a time beyond this is a hostile or broken IdP, and is refused before it becomes a
    /// stored expiry (`exp: 1e19` once stopped the daemon on every start).
    static let maximumLifetime: TimeInterval = 7 * 86_400

    let issuer: String
    let audience: String
    let skew: TimeInterval
    let jwks: JWKSCache
    let jwksURI: @Sendable () async throws -> String

    /// The verified person and the token's expiry, or the reason it was refused.
    func verify(_ token: String, nonce: String?, now: Date) async throws -> VerifiedIDToken {
        let header = try reject { () throws(IDTokenRejection) in try JWTHeaderFields.parse(token) }
        let alg = header.alg ?? "(none)"
        // `alg: none` and HMAC with a public key as secret are classic forgeries: refuse before any key lookup.
        guard Self.acceptedAlgorithms.contains(alg) else { throw IdentityError.invalidIDToken(.unsupportedAlgorithm(alg)) }
        let claims: IDTokenClaims
        do {
            claims = try await verifySignature(token, kid: header.kid)
        } catch IdentityError.invalidIDToken(.badSignature) {
            // A known kid whose key no longer verifies: the IdP may have replaced the key under the
            // same kid. One (rate-limited) refetch tells a rotation from a forgery.
            guard await jwks.refetchAfterSignatureFailure(jwksURI: jwksURI) else { throw IdentityError.invalidIDToken(.badSignature) }
            claims = try await verifySignature(token, kid: header.kid)
        }
        try reject { () throws(IDTokenRejection) in try checkClaims(claims, nonce: nonce, now: now) }
        return VerifiedIDToken(
            principal: Principal(
                subject: claims.sub.value, issuer: claims.iss.value, email: claims.email, name: claims.name,
                groups: claims.groups ?? []),
            expiresAt: claims.exp.value, issuedAt: claims.iat?.value ?? now,
            authTime: claims.auth_time.flatMap { $0.isFinite ? Date(timeIntervalSince1970: $0) : nil })
    }

    private func verifySignature(_ token: String, kid: String?) async throws -> IDTokenClaims {
        // jwt-kit falls back to its default key for an unknown kid; insisting on a known kid keeps
        // rotation explicit (one refetch) and the failure reason exact.
        guard let keys = try await jwks.keys(for: kid, jwksURI: jwksURI) else { throw IdentityError.invalidIDToken(.unknownKeyID(kid)) }
        do {
            return try await keys.verify(token, as: IDTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw IdentityError.invalidIDToken(.badSignature)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw IdentityError.invalidIDToken(.malformed("\(error.reason ?? "unreadable claims")"))
        } catch {
            throw IdentityError.invalidIDToken(.badSignature)
        }
    }

    private func checkClaims(_ claims: IDTokenClaims, nonce: String?, now: Date) throws(IDTokenRejection) {
        guard claims.iss.value == issuer else { throw .wrongIssuer(expected: issuer, found: claims.iss.value) }
        guard !claims.sub.value.isEmpty else { throw .emptySubject }
        guard claims.aud.value.contains(audience) else { throw .wrongAudience(expected: audience, found: claims.aud.value) }
        // OIDC Core §3.1.3.7 steps 4-5: a token for several audiences must say which client it was
        // issued to, and any azp must be us; otherwise it is another client's token naming us too.
        if let azp = claims.azp {
            guard azp == audience else { throw .authorizedPartyMismatch(expected: audience, found: azp) }
        } else if claims.aud.value.count > 1 {
            throw .authorizedPartyMissing(audiences: claims.aud.value)
        }
        try checkPlausible("exp", claims.exp.value, now: now)
        if let iat = claims.iat?.value { try checkPlausible("iat", iat, now: now) }
        if let nbf = claims.nbf?.value { try checkPlausible("nbf", nbf, now: now) }
        guard claims.exp.value.addingTimeInterval(skew) > now else { throw .expired(at: claims.exp.value) }
        if let nbf = claims.nbf?.value, nbf.addingTimeInterval(-skew) > now { throw .notYetValid(until: nbf) }
        if let iat = claims.iat?.value, iat.addingTimeInterval(-skew) > now { throw .issuedInFuture(at: iat) }
        if let nonce {
            guard let sent = claims.nonce else { throw .missingClaim("nonce") }
            guard sent == nonce else { throw .nonceMismatch }
        }
    }

    private func checkPlausible(_ claim: String, _ time: Date, now: Date) throws(IDTokenRejection) {
        let seconds = time.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds - now.timeIntervalSince1970) <= Self.maximumLifetime else {
            throw .implausibleTime(claim: claim, unixSeconds: seconds)
        }
    }

    private func reject<T>(_ body: () throws(IDTokenRejection) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw IdentityError.invalidIDToken(error)
        }
    }
}

/// What a verified ID token says.
struct VerifiedIDToken: Sendable {
    var principal: Principal
    var expiresAt: Date
    var issuedAt: Date
    /// `auth_time`, when the IdP sent it.
    var authTime: Date?
}
