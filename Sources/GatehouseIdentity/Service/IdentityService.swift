import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import Logging
import Synchronization

/// Sign-in, the sealed token cache, refresh ahead of expiry and token exchange, for one daemon.
///
/// Knows nothing of RPC: the broker maps it to `auth.*` and `token.get`; other components ask
/// `currentPrincipal()` who the verified person is.
public final class IdentityService: Sendable {
    struct State: Sendable {
        var principal: Principal?
        /// The sign-in that started the current session.
        var authentication: Authentication?
        var offlineSince: Date?
        var lastError: String?
        var logins: [String: LoginProgress] = [:]
        /// Per sign-in: loopback callbacks ignored (another user's, or without the sign-in's state).
        var ignoredCallbacks: [String: Int] = [:]
        /// Decrypted tokens of the current principal, so a cached `token.get` costs no SQLite read.
        var memory: [TokenAudience: IssuedToken] = [:]
        /// Fingerprints of tokens a renewal did not replace (e.g. IdPs that send no new ID token
        /// on refresh): refresh-ahead leaves them alone instead of asking again every tick.
        var unrenewable: Set<String> = []
        /// Refreshes refused or failed in a row, and when the next may be tried.
        var refresh = RefreshBackoff()
    }

    let configuration: IdentityConfiguration
    let clock: any IdentityClock
    let logger: Logger
    let oauth: OAuthClient
    let tokens: TokenStore
    let verifier: IDTokenVerifier
    let jwks: JWKSCache
    let exchange: GoogleTokenExchange
    let looker: (any LookerCredentialSource)?
    let state = Mutex(State())
    let flights = SingleFlight<String, IssuedToken>()
    /// A token is handed out only with at least this much life left.
    let minimumRemaining: TimeInterval = 5

    /// A service over `store`, sealing with the key from `keySource`.
    public init(
        configuration: IdentityConfiguration, store: Store, http: HTTPClient, keySource: SealingKeySource,
        clock: any IdentityClock = SystemIdentityClock(), looker: (any LookerCredentialSource)? = nil,
        logger: Logger = Logger(label: "gatehouse.identity")
    ) throws {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.looker = looker
        let oauth = OAuthClient(configuration: configuration, http: http)
        self.oauth = oauth
        tokens = TokenStore(store: store, sealer: Sealer(key: try keySource.load()))
        jwks = JWKSCache(issuer: configuration.issuer, store: store, http: http, clock: clock)
        verifier = IDTokenVerifier(
            issuer: configuration.issuer, audience: configuration.clientID, skew: configuration.allowedClockSkew,
            jwks: jwks, jwksURI: { try await oauth.metadata().jwks_uri })
        exchange = GoogleTokenExchange(configuration: configuration, http: http)
        if configuration.allowInsecureHTTP {
            logger.critical(
                "identity.allow_insecure_http is on: plain-http issuers and endpoints are accepted, so anyone on the network path can sign in as anyone. Never use it outside tests."
            )
        }
    }

    /// Loads the session a previous run left in the database (at start-up, before serving).
    /// A session that cannot be read (the sealing key was lost or replaced, or the row was altered)
    /// is dropped and the person asked to sign in again, rather than failing every start; one
    /// stored before the principal was sealed is sealed now. Returns why a session was dropped, if one was.
    @discardableResult
    public func restore() throws -> String? {
        let session: TokenStore.Session?
        do {
            session = try tokens.loadSessionNow()
        } catch let error where error is StoredIdentityError || error is SealingError {
            // Only sealed sign-in state is dropped (tokens can be had again); a database that cannot
            // be read at all still fails the start.
            let reason =
                (error as? SealingError).map { _ in "the sealing key does not open the stored session (was the key lost or replaced?)" }
                ?? "\(error)"
            logger.error("the stored session cannot be read and was dropped; sign in again", metadata: ["reason": "\(reason)"])
            try tokens.clearNow()
            state.withLock { $0.lastError = "\(StoredIdentityError.unreadableSession)" }
            return reason
        }
        state.withLock {
            $0.principal = session?.principal
            $0.authentication = session?.authentication
        }
        if let session, session.principalWasInClear {
            let tokens = self.tokens
            let now = clock.now
            Task {
                try? await tokens.saveSession(session.principal, refreshToken: session.refreshToken, authentication: session.authentication, now: now)
            }
        }
        return nil
    }

    /// The verified signed-in person, or nil.
    public func currentPrincipal() -> Principal? {
        state.withLock { $0.principal }
    }

    /// The signed-in person's last sign-in at the IdP (kept with the session), for step-up checks.
    public func lastAuthentication() -> Authentication? {
        state.withLock { $0.principal == nil ? nil : $0.authentication }
    }

    /// Revokes the refresh token at the IdP where it can (RFC 7009) and forgets every token.
    /// Returns whether the IdP confirmed the revocation.
    @discardableResult
    public func logout() async throws -> Bool {
        let session = try await tokens.loadSession()
        var revoked = false
        if let refresh = session?.refreshToken {
            do {
                revoked = try await oauth.revoke(refresh, hint: "refresh_token")
            } catch {
                // Forgetting locally matters more than the IdP's answer: an unreachable IdP must not keep a session alive here.
                logger.warning("could not revoke the refresh token at the IdP", metadata: ["error": "\(error)"])
            }
        }
        try await tokens.clear()
        jwks.forget()
        oauth.forget()
        state.withLock { state in
            state.principal = nil
            state.authentication = nil
            state.memory = [:]
            state.offlineSince = nil
            state.lastError = nil
            state.refresh = RefreshBackoff()
        }
        return revoked
    }

    /// Who is signed in, token expiries, and whether the IdP is reachable.
    public func status() async throws -> IdentityStatus {
        let now = clock.now
        let snapshot = state.withLock { $0 }
        guard let principal = snapshot.principal else {
            return IdentityStatus(
                signedIn: false, principal: nil, tokens: [], offline: false, validUntil: nil,
                summary: snapshot.lastError == nil ? "not signed in" : "not signed in (see lastError)", lastError: snapshot.lastError)
        }
        let summaries = try await tokens.summaries(for: principal).map {
            IdentityStatus.TokenSummary(audience: $0.audience, scopes: $0.scopes, expiresAt: $0.expiresAt, chain: $0.chain)
        }
        let validUntil = summaries.map(\.expiresAt).filter { $0 > now }.max()
        let offline = snapshot.offlineSince != nil
        var summary = "signed in as \(principal.displayName)"
        if offline {
            summary =
                validUntil.map { "offline, token valid until \($0.ISO8601Format())" }
                ?? "offline, no valid token; sign in again when the IdP is reachable"
        }
        if snapshot.refresh.failures > 0 {
            summary += "; refreshing fails (\(snapshot.refresh.failures) in a row)"
        }
        return IdentityStatus(
            signedIn: true, principal: principal, tokens: summaries, offline: offline, validUntil: validUntil, summary: summary,
            lastError: snapshot.lastError, refreshFailures: snapshot.refresh.failures, nextRefreshAttempt: snapshot.refresh.retryAt)
    }

    /// Records that the IdP answered (or could not be reached).
    func noteUpstream(_ error: (any Error)?) {
        state.withLock { state in
            switch error {
            case nil:
                // The IdP answered; a refresh failure stays in lastError until a refresh works.
                state.offlineSince = nil
            case let error as IdentityError:
                if case .offline = error, state.offlineSince == nil { state.offlineSince = clock.now }
                state.lastError = error.description
            case let error?:
                state.lastError = "\(error)"
            }
        }
    }
}
