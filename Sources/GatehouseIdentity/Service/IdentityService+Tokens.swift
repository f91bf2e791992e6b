import Foundation
import GatehouseCore
import Logging
import Synchronization

extension IdentityService {
    /// A valid token for `audience`, from the cache when it has enough life left, else fresh from
    /// the IdP or STS. Concurrent calls for the same audience share one upstream request.
    public func accessToken(for audience: TokenAudience) async throws -> IssuedToken {
        guard let principal = currentPrincipal() else { throw IdentityError.notSignedIn }
        if let cached = try await cachedToken(principal, audience), isUsable(cached) { return cached }
        return try await flights.run(key: flightKey(audience)) { [self] in
            // Another flight may have just stored a fresh one.
            if let cached = try await cachedToken(principal, audience), isUsable(cached) { return cached }
            return try await obtain(audience, for: principal)
        }
    }

    /// Replaces the token for `audience` now (refresh ahead), sharing the single flight.
    func renew(_ audience: TokenAudience, for principal: Principal) async throws {
        _ = try await flights.run(key: flightKey(audience)) { [self] in try await obtain(audience, for: principal) }
    }

    /// The IdP's ID and access tokens come from one refresh, so they share one flight.
    func flightKey(_ audience: TokenAudience) -> String {
        switch audience {
        case .idToken, .idpAccess: "idp"
        default: "\(audience.cacheName) \(audience.cacheScopes)"
        }
    }

    func isUsable(_ token: IssuedToken) -> Bool {
        let now = clock.now
        return !arrivedAfter(now, token) && token.expiresAt.timeIntervalSince(now) >= minimumRemaining
    }

    /// Whether the wall clock was set back since `token` arrived: it was issued further ahead of now than
    /// any skew explains. Its expiry, written by the clock of then, overstates how long it lives (an NTP
    /// step back of an hour would have it used for an hour past its real end), so it is replaced once.
    func arrivedAfter(_ now: Date, _ token: IssuedToken) -> Bool {
        token.issuedAt.timeIntervalSince(now) > configuration.allowedClockSkew
    }

    func cachedToken(_ principal: Principal, _ audience: TokenAudience) async throws -> IssuedToken? {
        if let hit = state.withLock({ $0.principal == principal ? $0.memory[audience] : nil }) { return hit }
        guard let stored = try await tokens.token(for: principal, audience) else { return nil }
        state.withLock { if $0.principal == principal { $0.memory[audience] = stored } }
        return stored
    }

    func remember(_ token: IssuedToken, _ audience: TokenAudience, for principal: Principal) async throws {
        try await tokens.save(token, for: principal, audience)
        state.withLock { if $0.principal == principal { $0.memory[audience] = token } }
    }

    private func obtain(_ audience: TokenAudience, for principal: Principal) async throws -> IssuedToken {
        switch audience {
        case .idToken, .idpAccess:
            try await refreshSession(principal)
            guard let fresh = try await cachedToken(principal, audience), isUsable(fresh) else {
                throw IdentityError.loginFailed(
                    "the IdP's refresh answer carried no usable \(audience) token (some IdPs send no new ID token on refresh); sign in again with `gatehouse login`"
                )
            }
            return fresh
        case .google(let scopes):
            let idToken = try await accessToken(for: .idToken)
            let now = clock.now
            let result: (token: IssuedToken, hops: [String])
            do {
                result = try await exchange.exchange(idToken: idToken.value, scopes: scopes.isEmpty ? configuration.googleScopes : scopes, now: now)
            } catch {
                noteUpstream(error)
                throw error
            }
            var token = result.token
            token.chain = [principal.displayName] + result.hops
            try await remember(token, audience, for: principal)
            return token
        case .looker:
            guard let looker else {
                throw IdentityError.notConfigured("Looker credentials are not set up in this build (no Looker credential source)")
            }
            let token = try await looker.token(for: principal, now: clock.now)
            try await remember(token, audience, for: principal)
            return token
        }
    }

    /// Redeems the refresh token; the IdP may rotate it, which is why this never runs twice at once.
    /// Failures back off (see `RefreshBackoff`) and stay visible in `status()` until a refresh
    /// works; `invalid_grant` means the IdP ended the session, so it ends here too.
    private func refreshSession(_ principal: Principal) async throws {
        guard let session = try await tokens.loadSession(), session.principal.subject == principal.subject else {
            throw IdentityError.notSignedIn
        }
        guard let refresh = session.refreshToken else {
            throw IdentityError.loginFailed("the session has no refresh token (ask for the offline_access scope); sign in again")
        }
        let now = clock.now
        let waiting = state.withLock { state -> IdentityError? in
            guard !state.refresh.allows(now), let retryAt = state.refresh.retryAt else { return nil }
            return .refreshBackingOff(retryAt: retryAt, failures: state.refresh.failures, lastError: state.lastError ?? "unknown")
        }
        if let waiting { throw waiting }
        do {
            let response = try await oauth.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            _ = try await accept(response, nonce: nil, previous: session)
        } catch {
            try await refreshFailed(error, principal: principal)
            throw error
        }
        state.withLock { state in
            state.refresh.succeeded()
            state.lastError = nil
        }
        noteUpstream(nil)
    }

    /// Records a failed refresh: back-off and a lasting error, or the end of the session on `invalid_grant`.
    private func refreshFailed(_ error: any Error, principal: Principal) async throws {
        noteUpstream(error)
        let now = clock.now
        state.withLock { $0.refresh.failed(at: now) }
        guard case IdentityError.upstreamRejected(_, "invalid_grant", _) = error else { return }
        logger.notice("the IdP refused the refresh token (invalid_grant); the session is over")
        try await tokens.clear()
        jwks.forget()
        state.withLock { state in
            guard state.principal == principal else { return }
            state.principal = nil
            state.authentication = nil
            state.memory = [:]
            state.refresh = RefreshBackoff()
            state.lastError =
                "the IdP ended the session (invalid_grant: the refresh token was revoked or expired); sign in again with `gatehouse login`"
        }
    }

    /// Verifies and stores a token answer; returns the person it is for.
    /// `signedInBy` names the flow of a fresh sign-in; nil for a refresh.
    func accept(
        _ response: TokenResponse, nonce: String?, previous: TokenStore.Session?, signedInBy method: LoginMethod? = nil
    ) async throws -> Principal {
        let now = clock.now
        // RFC 6749 §7.1: a client must not use a token type it does not understand. A DPoP token
        // handed out as Bearer would fail (or worse, be accepted without its proof) downstream.
        guard let type = response.token_type, type.caseInsensitiveCompare("Bearer") == .orderedSame else {
            throw IdentityError.unsupportedTokenType(response.token_type ?? "(no token_type)")
        }
        let lifetime = try UpstreamNumbers.lifetime(response.expires_in, field: "expires_in")  // before anything is verified or stored
        var principal = previous?.principal
        var idToken: IssuedToken?
        var authentication: Authentication?
        if let raw = response.id_token {
            let verified = try await verifier.verify(raw, nonce: nonce, now: now)
            if let previous, previous.principal.subject != verified.principal.subject {
                throw IdentityError.loginFailed("the refreshed ID token is for a different subject")
            }
            principal = verified.principal
            if let method { authentication = Authentication(at: min(verified.authTime ?? now, now), method: method) }
            idToken = IssuedToken(
                value: raw, tokenType: GoogleTokenExchange.idTokenType, issuedAt: min(verified.issuedAt, now),
                expiresAt: verified.expiresAt, chain: [verified.principal.displayName])
        }
        guard let principal else { throw IdentityError.loginFailed("the IdP sent no ID token; request the openid scope") }
        let access = IssuedToken(
            value: response.access_token, issuedAt: now, expiresAt: now.addingTimeInterval(lifetime), chain: [principal.displayName, "idp"])
        let switching = state.withLock { $0.principal != principal }
        try await tokens.saveSession(
            principal, refreshToken: response.refresh_token ?? previous?.refreshToken, authentication: authentication ?? previous?.authentication,
            now: now)
        state.withLock { state in
            if switching { state.memory = [:] }
            state.principal = principal
            if let authentication { state.authentication = authentication }
            if switching && authentication == nil { state.authentication = nil }
            if previous == nil {
                // A fresh sign-in: earlier refresh failures no longer apply.
                state.refresh.succeeded()
                state.lastError = nil
            }
        }
        try await remember(access, .idpAccess, for: principal)
        if let idToken { try await remember(idToken, .idToken, for: principal) }
        return principal
    }
}
