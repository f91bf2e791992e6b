import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The session and token tables, with every secret sealed before it reaches SQLite.
struct TokenStore: Sendable {
    let store: Store
    let sealer: Sealer

    /// The signed-in principal and its sealed refresh token, if any.
    struct Session: Sendable {
        var principal: Principal
        var refreshToken: String?
        /// Read from a row written before the principal was sealed (migration 0008).
        var principalWasInClear = false
        /// The sign-in that started this session (migration 0010; nil for older rows).
        var authentication: Authentication?
    }

    /// Stored times outside this range cannot be real (a hostile or corrupted value): such a row is
    /// dropped, never turned into a date that a later conversion would trap on. Years 2000 to 3000.
    static let plausibleStoredTimes: ClosedRange<Double> = 946_684_800...32_503_680_000

    /// The cache key of a principal: issuer and subject, never the display name.
    static func principalKey(_ principal: Principal) -> String { principal.issuer + "#" + principal.subject }

    func loadSession() async throws -> Session? {
        let row = try await store.pool.read { db in try Self.sessionRow(db) }
        return try session(from: row)
    }

    /// The same, blocking: for start-up, before any request is served.
    func loadSessionNow() throws -> Session? {
        try session(from: try store.pool.read { db in try Self.sessionRow(db) })
    }

    /// The session's columns, copied out of the read: GRDB's `Row` is not `Sendable`, and an
    /// async read must return a `Sendable` value (otherwise Swift silently picks the blocking read).
    private struct SessionColumns: Sendable {
        let issuer: String
        let subject: String
        let principalJSON: String
        let principalSealed: Data?
        let refreshSealed: Data?
        let authTime: Double?
        let authMethod: String?
    }

    private static func sessionRow(_ db: Database) throws -> SessionColumns? {
        try Row.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT issuer, subject, principal_json, principal_sealed, refresh_sealed, auth_time, auth_method FROM identity_session WHERE id = 1"
            )
        ).map {
            SessionColumns(
                issuer: $0["issuer"], subject: $0["subject"], principalJSON: $0["principal_json"],
                principalSealed: $0["principal_sealed"], refreshSealed: $0["refresh_sealed"], authTime: $0["auth_time"],
                authMethod: $0["auth_method"])
        }
    }

    private func session(from row: SessionColumns?) throws -> Session? {
        guard let row else { return nil }
        let json: String
        if let sealed = row.principalSealed {
            json = try sealer.open(sealed, context: principalContext(issuer: row.issuer, subject: row.subject))
        } else {
            json = row.principalJSON  // written before migration 0008; `restore` seals it
        }
        let principal: Principal
        do {
            principal = try JSONDecoder().decode(Principal.self, from: Data(json.utf8))
        } catch {
            throw StoredIdentityError.unreadableSession
        }
        guard principal.issuer == row.issuer, principal.subject == row.subject else { throw StoredIdentityError.unreadableSession }
        let refresh = try row.refreshSealed.map { try sealer.open($0, context: refreshContext(principal)) }
        var authentication: Authentication?
        if let at = row.authTime, Self.plausibleStoredTimes.contains(at), let method = row.authMethod.flatMap(LoginMethod.init(rawValue:)) {
            authentication = Authentication(at: Date(timeIntervalSince1970: at), method: method)
        }
        return Session(
            principal: principal, refreshToken: refresh, principalWasInClear: row.principalSealed == nil, authentication: authentication)
    }

    /// Replaces the session; a different person signing in drops every token of the previous one.
    /// The principal's claims (email, groups) are sealed like the tokens; only issuer and subject stay in clear.
    func saveSession(_ principal: Principal, refreshToken: String?, authentication: Authentication?, now: Date) async throws {
        let json = String(decoding: try JSONEncoder.canonical.encode(principal), as: UTF8.self)
        let sealedPrincipal = try sealer.seal(json, context: principalContext(issuer: principal.issuer, subject: principal.subject))
        let sealed = try refreshToken.map { try sealer.seal($0, context: refreshContext(principal)) }
        let key = Self.principalKey(principal)
        try await store.writer.write { db in
            try db.execute(sql: "DELETE FROM identity_tokens WHERE principal <> ?", arguments: [key])
            try db.execute(
                sql: """
                    INSERT INTO identity_session (id, issuer, subject, principal_json, principal_sealed, refresh_sealed, signed_in_at, updated_at,
                        auth_time, auth_method)
                    VALUES (1, ?, ?, '', ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject,
                        principal_json = '', principal_sealed = excluded.principal_sealed, refresh_sealed = excluded.refresh_sealed,
                        updated_at = excluded.updated_at, auth_time = excluded.auth_time, auth_method = excluded.auth_method
                    """,
                arguments: [
                    principal.issuer, principal.subject, sealedPrincipal, sealed, now.timeIntervalSince1970, now.timeIntervalSince1970,
                    authentication?.at.timeIntervalSince1970, authentication?.method.rawValue,
                ])
        }
    }

    /// Forgets the session, every cached token and the cached JWKS.
    func clear() async throws {
        try await store.writer.write { db in
            try db.execute(sql: "DELETE FROM identity_tokens")
            try db.execute(sql: "DELETE FROM identity_session")
            try db.execute(sql: "DELETE FROM identity_jwks")
        }
    }

    /// The same, blocking: at start-up, when the stored session cannot be read.
    func clearNow() throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM identity_tokens")
            try db.execute(sql: "DELETE FROM identity_session")
        }
    }

    func token(for principal: Principal, _ audience: TokenAudience) async throws -> IssuedToken? {
        let key = Self.principalKey(principal)
        let stored = try await store.pool.read { db -> (sealed: Data, chainSealed: Data?, token: IssuedToken?)? in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM identity_tokens WHERE principal = ? AND audience = ? AND scopes = ?"),
                arguments: [key, audience.cacheName, audience.cacheScopes]
            ).map { row in
                let issuedAt: Double = row["issued_at"]
                let expiresAt: Double = row["expires_at"]
                guard Self.plausibleStoredTimes.contains(issuedAt), Self.plausibleStoredTimes.contains(expiresAt) else {
                    return (row["token_sealed"], nil, nil)
                }
                let token = IssuedToken(
                    value: "", tokenType: row["token_type"], issuedAt: Date(timeIntervalSince1970: issuedAt),
                    expiresAt: Date(timeIntervalSince1970: expiresAt),
                    chain: (row["chain"] as String).components(separatedBy: " → "))
                return (row["token_sealed"], row["chain_sealed"], token)
            }
        }
        guard let (sealed, chainSealed, readable) = stored else { return nil }
        guard let initial = readable else {
            try await drop(for: principal, audience)
            return nil
        }
        var token = initial
        token.value = try sealer.open(sealed, context: tokenContext(key, audience))
        if let chainSealed {
            token.chain = try sealer.open(chainSealed, context: chainContext(key, audience.cacheName, audience.cacheScopes))
                .components(separatedBy: " → ")
        }
        return token
    }

    func save(_ token: IssuedToken, for principal: Principal, _ audience: TokenAudience) async throws {
        let key = Self.principalKey(principal)
        let sealed = try sealer.seal(token.value, context: tokenContext(key, audience))
        // The chain names the person (`alice@corp → sts`): sealed like the principal's claims.
        let chain = try sealer.seal(token.chainDescription, context: chainContext(key, audience.cacheName, audience.cacheScopes))
        try await store.writer.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO identity_tokens (principal, audience, scopes, token_sealed, token_type, issued_at, expires_at, chain, chain_sealed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)
                    """,
                arguments: [
                    key, audience.cacheName, audience.cacheScopes, sealed, token.tokenType,
                    token.issuedAt.timeIntervalSince1970, token.expiresAt.timeIntervalSince1970, chain,
                ])
        }
    }

    /// Removes one cached token (one whose stored times cannot be real).
    func drop(for principal: Principal, _ audience: TokenAudience) async throws {
        let key = Self.principalKey(principal)
        try await store.writer.write { db in
            try db.execute(
                sql: "DELETE FROM identity_tokens WHERE principal = ? AND audience = ? AND scopes = ?",
                arguments: [key, audience.cacheName, audience.cacheScopes])
        }
    }

    /// Expiry and chain of every cached token of `principal` (no secrets), for status.
    func summaries(for principal: Principal) async throws -> [(audience: String, scopes: String, expiresAt: Date, chain: String)] {
        let key = Self.principalKey(principal)
        let rows = try await store.pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT audience, scopes, expires_at, chain, chain_sealed FROM identity_tokens WHERE principal = ? ORDER BY audience, scopes",
                arguments: [key]
            ).compactMap { row -> (audience: String, scopes: String, expiresAt: Double, chain: String, chainSealed: Data?)? in
                let expiresAt: Double = row["expires_at"]
                guard Self.plausibleStoredTimes.contains(expiresAt) else { return nil }  // dropped at its next read
                return (row["audience"], row["scopes"], expiresAt, row["chain"], row["chain_sealed"])
            }
        }
        return rows.map { row in
            // A chain that does not open is shown as unknown; the token's own read reports the key problem.
            let chain = row.chainSealed.map { (try? sealer.open($0, context: chainContext(key, row.audience, row.scopes))) ?? "?" } ?? row.chain
            return (row.audience, row.scopes, Date(timeIntervalSince1970: row.expiresAt), chain)
        }
    }

    private func chainContext(_ key: String, _ audience: String, _ scopes: String) -> String {
        "\(audience) token chain [\(scopes)] of \(key)"
    }
    private func principalContext(issuer: String, subject: String) -> String { "principal of \(issuer)#\(subject)" }
    private func refreshContext(_ principal: Principal) -> String { "refresh token of \(Self.principalKey(principal))" }
    private func tokenContext(_ key: String, _ audience: TokenAudience) -> String {
        "\(audience.cacheName) token [\(audience.cacheScopes)] of \(key)"
    }
}

/// Why what a previous run stored cannot be used; the person is asked to sign in again.
enum StoredIdentityError: Error, CustomStringConvertible {
    case unreadableSession

    var description: String {
        switch self {
        case .unreadableSession: "the stored session could not be read; run `gatehouse login` again"
        }
    }
}
