import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import JWTKit
import Synchronization

/// The issuer's signing keys, kept in memory and in SQLite for as long as the JWKS answer's
/// `Cache-Control: max-age` says, within `lifetimeBounds` (a key the IdP removed must stop
/// verifying within a day at most). Fetched again when that lifetime ends, when a token names a
/// kid the set lacks, and when a known kid's key fails to verify (the key was replaced under
/// the same kid); those two forced refetches happen at most once per `forcedRefetchInterval`,
/// so tokens with made-up kids cannot make Gatehouse hammer the IdP.
final class JWKSCache: Sendable {
    /// How long a fetched JWKS is used: `max-age` moved into these bounds; 1 hour without one.
    static let lifetimeBounds: ClosedRange<Double> = 300...86_400
    static let defaultLifetime: TimeInterval = 3600
    static let forcedRefetchInterval: TimeInterval = 60

    private struct Entry: Sendable {
        /// Usable signing keys by kid.
        var keys: [String: JWK]
        /// The JWKS's only usable key when it has no kid (OIDC Core §10.1 allows that for one key).
        var anonymous: JWK?
        var expiresAt: Date
    }

    private struct State: Sendable {
        var entry: Entry?
        var lastForcedRefetch: Date?
    }

    private let issuer: String
    /// Where the keys outlive the process; nil keeps them in memory only (a service with no store of its own).
    private let store: Store?
    private let http: HTTPClient
    private let clock: any IdentityClock
    private let state = Mutex(State())
    private let flight = SingleFlight<String, Entry>()

    init(issuer: String, store: Store?, http: HTTPClient, clock: any IdentityClock = SystemIdentityClock()) {
        self.issuer = issuer
        self.store = store
        self.http = http
        self.clock = clock
    }

    /// A key collection holding only the key for `kid`, or nil when the JWKS has none even after a
    /// (rate-limited) refetch. Only the chosen key is in it, so jwt-kit cannot fall back to another.
    func keys(for kid: String?, jwksURI: @escaping @Sendable () async throws -> String) async throws -> JWTKeyCollection? {
        let now = clock.now
        if let current = try await cached(), current.expiresAt > now {
            if let key = Self.key(for: kid, in: current) { return try await Self.collection(of: key) }
            guard claimForcedRefetch(now) else { return nil }
        }
        let fresh = try await refetch(jwksURI)
        return try await Self.key(for: kid, in: fresh).asyncMap(Self.collection(of:))
    }

    /// After a signature failure with a known kid: refetches, unless one was forced within
    /// `forcedRefetchInterval`. True when a fresh JWKS is now in place.
    func refetchAfterSignatureFailure(jwksURI: @escaping @Sendable () async throws -> String) async -> Bool {
        guard claimForcedRefetch(clock.now) else { return false }
        return (try? await refetch(jwksURI)) != nil
    }

    /// Forgets the keys in memory (logout; the stored copy is deleted with the session).
    func forget() {
        state.withLock { $0 = State() }
    }

    private func claimForcedRefetch(_ now: Date) -> Bool {
        state.withLock { state in
            if let last = state.lastForcedRefetch, now.timeIntervalSince(last) < Self.forcedRefetchInterval { return false }
            state.lastForcedRefetch = now
            return true
        }
    }

    private static func key(for kid: String?, in entry: Entry) -> JWK? {
        if let kid, let key = entry.keys[kid] { return key }
        if let anonymous = entry.anonymous { return anonymous }
        if kid == nil, entry.keys.count == 1 { return entry.keys.values.first }
        return nil
    }

    private static func collection(of key: JWK) async throws -> JWTKeyCollection {
        var named = key
        named.keyIdentifier = JWKIdentifier(string: "selected")  // jwt-kit files keys by kid; this one is also its default
        let keys = JWTKeyCollection()
        try await keys.add(jwk: named)
        return keys
    }

    private func refetch(_ jwksURI: @escaping @Sendable () async throws -> String) async throws -> Entry {
        try await flight.run(key: "jwks") { [self] in try await fetch(try await jwksURI()) }
    }

    private func cached() async throws -> Entry? {
        if let current = state.withLock({ $0.entry }) { return current }
        let issuer = self.issuer
        guard let store else { return nil }
        let stored = try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT jwks, expires_at FROM identity_jwks WHERE issuer = ?", arguments: [issuer]).map {
                (jwks: $0["jwks"] as String, expiresAt: $0["expires_at"] as Double?)
            }
        }
        // A row from before JWKS lifetimes (no expires_at), or an unreadable one, counts as expired.
        guard let stored, let expiresAt = stored.expiresAt.flatMap({ OutsideNumbers.checked($0, within: 0...32_503_680_000) }),
            let loaded = try? await Self.parse(stored.jwks, expiresAt: Date(timeIntervalSince1970: expiresAt))
        else { return nil }
        state.withLock { $0.entry = loaded }
        return loaded
    }

    private func fetch(_ uri: String) async throws -> Entry {
        let response: HTTPResponse
        do {
            response = try await http.send(.get(uri, upstream: "idp"))
        } catch {
            throw IdentityError.from(error, upstream: "idp")
        }
        guard response.isSuccess else {
            throw IdentityError.unexpectedResponse(upstream: "idp", detail: "JWKS at \(uri) answered \(response.status)")
        }
        let now = clock.now
        let lifetime = Self.lifetime(cacheControl: response.headers["Cache-Control"])
        let text = String(decoding: response.body, as: UTF8.self)
        let fresh = try await Self.parse(text, expiresAt: now.addingTimeInterval(lifetime))
        let issuer = self.issuer
        try await store?.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO identity_jwks (issuer, jwks, fetched_at, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(issuer) DO UPDATE SET jwks = excluded.jwks, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
                    """,
                arguments: [issuer, text, now.timeIntervalSince1970, now.timeIntervalSince1970 + lifetime])
        }
        state.withLock { $0.entry = fresh }
        return fresh
    }

    /// Seconds to keep a JWKS: `max-age` within `lifetimeBounds`; the shortest for `no-store`/`no-cache`
    /// (Gatehouse still needs the keys to verify the token at hand).
    static func lifetime(cacheControl: String?) -> TimeInterval {
        guard let cacheControl else { return defaultLifetime }
        var lifetime = defaultLifetime
        for directive in cacheControl.lowercased().split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            switch parts.first {
            case "no-store", "no-cache": return lifetimeBounds.lowerBound
            case "max-age" where parts.count == 2:
                if let seconds = Double(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))) {
                    lifetime = OutsideNumbers.clamped(seconds, to: lifetimeBounds) ?? defaultLifetime
                }
            default: continue
            }
        }
        return OutsideNumbers.clamped(lifetime, to: lifetimeBounds) ?? defaultLifetime
    }

    /// The usable signing keys of a JWKS document: RSA and EC keys meant for signatures that
    /// jwt-kit can load. Others (encryption keys, unknown types) are left out, not fatal.
    private static func parse(_ text: String, expiresAt: Date) async throws -> Entry {
        let members: [JSONValue]
        do {
            guard let keys = try JSONParser.parse(Data(text.utf8))["keys"]?.arrayValue else {
                throw IdentityError.unexpectedResponse(upstream: "idp", detail: "the JWKS has no keys array")
            }
            members = keys
        } catch let error as IdentityError {
            throw error
        } catch {
            throw IdentityError.unexpectedResponse(upstream: "idp", detail: "the JWKS is not JSON: \(error)")
        }
        var named: [String: JWK] = [:]
        var unnamed: [JWK] = []
        for member in members {
            let use = member["use"]?.stringValue
            guard use == nil || use == "sig", let kty = member["kty"]?.stringValue, kty == "RSA" || kty == "EC",
                let jwk = try? JSONDecoder().decode(JWK.self, from: Data(JSONWriter.bytes(member))),
                (try? await collection(of: jwk)) != nil
            else { continue }
            if let kid = jwk.keyIdentifier?.string { named[kid] = jwk } else { unnamed.append(jwk) }
        }
        let anonymous = named.isEmpty && unnamed.count == 1 ? unnamed.first : nil
        return Entry(keys: named, anonymous: anonymous, expiresAt: expiresAt)
    }
}

extension Optional {
    /// `map` for an async transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
