import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import GatehouseStore
import Logging
import Synchronization

/// Rotates the service account's `credentials_api3` pair: create a new pair, log in with it, store
/// it sealed, switch the session to it, then delete the old pair in Looker. Calls in flight keep
/// their token (Looker does not end sessions when a pair is deleted), and calls that start after the
/// switch use the new token, so no call fails during a rotation. When Looker refuses any step
/// before the switch, the old pair stays in use and `lastRefusal` says why. Secrets are never
/// logged: only client ids are.
public final class LookerCredentialRotation: Sendable {
    /// What `status` shows.
    public struct Report: Sendable, Equatable {
        /// Rotations completed since start.
        public var rotations: Int
        /// When the pair in use was made by a rotation (nil: the configured pair).
        public var lastRotatedAt: Date?
        /// Why the last attempt was refused, until one succeeds.
        public var lastRefusal: String?
        /// A rotated-out pair Looker did not delete (its client id), to delete by hand.
        public var leftOver: String?
    }

    private let session: LookerServiceSession
    private let store: Store
    private let sealer: Sealer
    private let baseURL: String
    private let clock: any IdentityClock
    private let logger: Logger
    private let state = Mutex(Report(rotations: 0))
    private let running = Mutex(false)

    /// Rotation of `session`'s pair, persisted sealed in `store` for the instance at `baseURL`.
    public init(
        session: LookerServiceSession, store: Store, sealer: Sealer, baseURL: String, clock: any IdentityClock = SystemIdentityClock(),
        logger: Logger = Logger(label: "gatehouse.looker.rotation")
    ) {
        self.session = session
        self.store = store
        self.sealer = sealer
        self.baseURL = baseURL
        self.clock = clock
        self.logger = logger
    }

    /// The state shown in `status`.
    public var report: Report { state.withLock { $0 } }

    /// The pair a previous rotation stored for `baseURL`, if any (it replaces the configured one).
    public static func storedCredentials(store: Store, sealer: Sealer, baseURL: String) throws(LookerError) -> LookerAPICredentials? {
        let row: (clientID: String, sealed: Data)?
        do {
            row = try store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT client_id, sealed_secret FROM looker_service_credentials WHERE base_url = ?", arguments: [baseURL])
                    .map { ($0["client_id"], $0["sealed_secret"]) }
            }
        } catch {
            throw .cache("cannot read the rotated Looker credentials: \(error)")
        }
        guard let row else { return nil }
        do {
            return LookerAPICredentials(clientID: row.clientID, clientSecret: try sealer.open(row.sealed, context: sealContext(row.clientID)))
        } catch {
            throw .notConfigured(
                "the rotated Looker credentials do not open with this sealing key (\(error)); restore the key or configure a new pair")
        }
    }

    private static func sealContext(_ clientID: String) -> String { "looker.service_credentials:\(clientID)" }

    /// Runs one rotation now; a rotation already running makes this a no-op. Throws the refusal (also kept in `report`).
    public func rotate() async throws(LookerError) {
        guard
            running.withLock({ running in
                defer { running = true }
                return !running
            })
        else { return }
        defer { running.withLock { $0 = false } }
        do {
            try await rotateNow()
        } catch {
            state.withLock { $0.lastRefusal = error.description }
            logger.warning("Looker credential rotation refused; the current pair stays in use", metadata: ["error": "\(error)"])
            throw error
        }
    }

    private struct Me: Decodable { var id: String }
    private struct Created: Decodable {
        var id: String
        var client_id: String
        var client_secret: String
    }
    private struct Listed: Decodable {
        var id: String
        var client_id: String?
    }

    private func rotateNow() async throws(LookerError) {
        let old = session.credentials
        let me = try await session.call(Me.self) { api in .get(api + "/user?fields=id", upstream: LookerClient.upstream) }
        let userPath = "/users/" + LookerClient.pathSegment(me.id) + "/credentials_api3"
        let created = try await session.call(Created.self) { api in
            HTTPRequest(method: .POST, url: api + userPath, upstream: LookerClient.upstream)
        }
        let fresh = LookerAPICredentials(clientID: created.client_id, clientSecret: created.client_secret)
        let token: IssuedToken
        do {
            token = try await session.login(with: fresh)
            try await persist(fresh)
        } catch {
            // The new pair is of no use: remove it, keep the old one.
            _ = try? await session.send { api in
                HTTPRequest(method: .DELETE, url: api + userPath + "/" + LookerClient.pathSegment(created.id), upstream: LookerClient.upstream)
            }
            throw error
        }
        session.switchTo(fresh, token: token)
        logger.notice("Looker service credentials rotated", metadata: ["oldClientId": "\(old.clientID)", "newClientId": "\(fresh.clientID)"])
        var leftOver: String?
        do {
            let pairs = try await session.call([Listed].self) { api in .get(api + userPath + "?fields=id,client_id", upstream: LookerClient.upstream)
            }
            if let oldPair = pairs.first(where: { $0.client_id == old.clientID }) {
                let response = try await session.send { api in
                    HTTPRequest(method: .DELETE, url: api + userPath + "/" + LookerClient.pathSegment(oldPair.id), upstream: LookerClient.upstream)
                }
                try LookerClient.check(response)
            }
        } catch {
            leftOver = old.clientID
            logger.warning(
                "the rotated-out Looker pair could not be deleted; delete it in Looker",
                metadata: ["clientId": "\(old.clientID)", "error": "\(error)"])
        }
        let now = clock.now
        state.withLock { report in
            report.rotations += 1
            report.lastRotatedAt = now
            report.lastRefusal = nil
            report.leftOver = leftOver
        }
    }

    private func persist(_ credentials: LookerAPICredentials) async throws(LookerError) {
        let sealed: Data
        do {
            sealed = try sealer.seal(credentials.clientSecret, context: Self.sealContext(credentials.clientID))
        } catch {
            throw .cache("cannot seal the new Looker credentials: \(error)")
        }
        let now = clock.now.timeIntervalSince1970
        let baseURL = baseURL
        do {
            try await store.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO looker_service_credentials(base_url, client_id, sealed_secret, rotated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(base_url) DO UPDATE SET client_id = excluded.client_id, sealed_secret = excluded.sealed_secret, rotated_at = excluded.rotated_at
                        """, arguments: [baseURL, credentials.clientID, sealed, now])
            }
        } catch {
            throw .cache("cannot store the new Looker credentials: \(error)")
        }
    }
}
