import Foundation
import GRDB
import GatehouseHTTP
import GatehouseStore
import JWTKit
import Synchronization

/// The issuer's signing keys: kept in memory and in SQLite, fetched again only when a token
/// names a key the cached set lacks (rotation), never on every verification.
final class JWKSCache: Sendable {
    private struct Entry: Sendable {
        var keys: JWTKeyCollection
        var kids: Set<String>
    }

    private let issuer: String
    private let store: Store
    private let http: HTTPClient
    private let entry = Mutex<Entry?>(nil)
    private let flight = SingleFlight<String, Entry>()

    init(issuer: String, store: Store, http: HTTPClient) {
        self.issuer = issuer
        self.store = store
        self.http = http
    }

    /// The key collection that knows `kid`, refetching the JWKS at most once when it does not.
    /// A token without `kid` is only matched when the set holds exactly one key (OIDC Core §10.1).
    func keys(for kid: String?, jwksURI: @escaping @Sendable () async throws -> String) async throws -> (JWTKeyCollection, Bool) {
        if let current = try await cached(), Self.identifies(kid, in: current) {
            return (current.keys, true)
        }
        let fresh = try await flight.run(key: "jwks") { [self] in try await fetch(try await jwksURI()) }
        return (fresh.keys, Self.identifies(kid, in: fresh))
    }

    private static func identifies(_ kid: String?, in entry: Entry) -> Bool {
        kid.map(entry.kids.contains) ?? (entry.kids.count == 1)
    }

    private func cached() async throws -> Entry? {
        if let current = entry.withLock({ $0 }) { return current }
        let issuer = self.issuer
        let stored = try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT jwks FROM identity_jwks WHERE issuer = ?", arguments: [issuer])
        }
        guard let stored, let loaded = try? await Self.parse(stored) else { return nil }
        entry.withLock { $0 = loaded }
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
        let text = String(decoding: response.body, as: UTF8.self)
        let fresh = try await Self.parse(text)
        let issuer = self.issuer
        try await store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO identity_jwks (issuer, jwks, fetched_at) VALUES (?, ?, ?) ON CONFLICT(issuer) DO UPDATE SET jwks = excluded.jwks, fetched_at = excluded.fetched_at",
                arguments: [issuer, text, Date().timeIntervalSince1970])
        }
        entry.withLock { $0 = fresh }
        return fresh
    }

    private static func parse(_ text: String) async throws -> Entry {
        do {
            let jwks = try JSONDecoder().decode(JWKS.self, from: Data(text.utf8))
            let keys = JWTKeyCollection()
            var kids: Set<String> = []
            for jwk in jwks.keys {
                guard let kid = jwk.keyIdentifier else { continue }
                try await keys.add(jwk: jwk)
                kids.insert(kid.string)
            }
            return Entry(keys: keys, kids: kids)
        } catch {
            throw IdentityError.unexpectedResponse(upstream: "idp", detail: "the JWKS could not be read: \(error)")
        }
    }
}
