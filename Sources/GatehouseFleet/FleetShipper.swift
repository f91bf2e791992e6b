import Crypto
import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseStore
import Logging
import Synchronization

/// Ships this host's audit records to the collector, in order and in batches, through the durable
/// cursor in `fleet_host` (the job outbox's discipline: the cursor moves only after the collector's
/// cosigned answer, and a batch sent again is stored once, by (host, seq)). Runs beside the daemon;
/// nothing that answers a request waits for it.
public final class FleetShipper: Sendable {
    /// The host's identity.
    public let identity: HostIdentity
    let store: Store
    let client: CollectorClient
    let idToken: @Sendable () async throws -> String
    let batchSize: Int
    let logger: Logger
    let onCosigned: (@Sendable () -> Void)?
    private let state = Mutex(ShipperState())

    struct ShipperState {
        var lastError: String?
        var failures = 0
        var lastShippedAt: Date?
    }

    /// A shipper of `identity`'s records from `store` to `client`; `idToken` gives the signed-in person's ID token (for registering);
    /// `onCosigned` runs after each answer that moved the cursor (local retention prunes then).
    public init(
        identity: HostIdentity, store: Store, client: CollectorClient, batchSize: Int = 500,
        idToken: @escaping @Sendable () async throws -> String, logger: Logger, onCosigned: (@Sendable () -> Void)? = nil
    ) {
        self.onCosigned = onCosigned
        self.identity = identity
        self.store = store
        self.client = client
        self.batchSize = batchSize
        self.idToken = idToken
        self.logger = logger
    }

    /// What one step did.
    public enum Step: Sendable, Equatable {
        /// Shipped and cosigned up to this seq.
        case shipped(through: Int64, records: Int)
        /// Nothing to ship.
        case idle
    }

    /// Ships until cancelled: a batch whenever there are records, a poll each `idle` otherwise, and
    /// backoff (1 s doubling to 5 min) after failures and refusals.
    public func run(idle: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            do {
                let step = try await shipOnce()
                state.withLock {
                    $0.failures = 0
                    $0.lastError = nil
                }
                if step == .idle { try await Task.sleep(for: idle) }
            } catch is CancellationError {
                return
            } catch {
                let failures = state.withLock { state -> Int in
                    state.failures += 1
                    state.lastError = "\(error)"
                    return state.failures
                }
                logger.warning("fleet shipping failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                let seconds = min(300.0, pow(2.0, Double(min(failures - 1, 9))))
                try? await Task.sleep(for: .seconds(seconds))
            }
        }
    }

    /// Registers if needed, then ships the next batch after the cursor.
    public func shipOnce() async throws -> Step {
        let host = try await ensureRegistered()
        let records = try await store.pool.read { [shipped = host.shippedSeq, batchSize] db in
            try AuditRecord.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [shipped, batchSize])
        }
        guard let last = records.last else { return .idle }
        let checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: identity.hostID, size: last.seq, head: last.hash), hostKey: identity.key)
        switch try await client.ship(Shipment(checkpoint: checkpoint.text, records: records), hostID: identity.hostID) {
        case .refused(let status, let detail):
            throw FleetShipError.refused(status: status, kind: detail.kind, message: detail.message)
        case .accepted(let receipt):
            let cosigned = try SignedCheckpoint(text: receipt.checkpoint)
            guard cosigned.checkpoint.origin == identity.hostID, cosigned.cosignatureTime(witness: host.witness.key, name: host.witness.name) != nil
            else {
                throw FleetShipError.badCosignature("the collector's answer is not cosigned by the witness pinned at registration")
            }
            // The collector may already be further (a batch whose answer was lost): move to its size
            // only if the local record there is the one it cosigned.
            let size = cosigned.checkpoint.size
            let local = try await store.pool.read { db in try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [size]) }
            guard local == cosigned.checkpoint.head else {
                throw FleetShipError.badCosignature("the collector cosigned size \(size), which does not match the local record \(size)")
            }
            let now = Timestamp.now()
            try await store.writer.write { db in
                try db.execute(
                    sql: "UPDATE fleet_host SET shipped_seq = max(shipped_seq, ?), cosigned_note = ?, cosigned_size = ?, updated_at = ? WHERE id = 1",
                    arguments: [size, receipt.checkpoint, size, now])
            }
            state.withLock { $0.lastShippedAt = Date() }
            onCosigned?()
            return .shipped(through: size, records: receipt.stored)
        }
    }

    struct Registered: Sendable {
        var shippedSeq: Int64
        var witness: (name: String, key: Curve25519.Signing.PublicKey)
    }

    /// The cursor and pinned witness; registers first with the collector when this host has not.
    func ensureRegistered() async throws -> Registered {
        let row = try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT registered_with, witness_key, shipped_seq FROM fleet_host WHERE id = 1").map {
                (with: $0["registered_with"] as String?, witness: $0["witness_key"] as String?, shipped: $0["shipped_seq"] as Int64)
            }
        }
        guard let row else { throw FleetShipError.badCosignature("no fleet_host row: the host key was not made") }
        if row.with == client.baseURL, let pinned = row.witness, let witness = Self.witness(pinned) {
            return Registered(shippedSeq: row.shipped, witness: witness)
        }
        let info = try await client.witness()
        guard let witness = Self.witness("\(info.name) \(info.publicKey)") else {
            throw FleetShipError.badCosignature("the collector's witness key is not an Ed25519 key")
        }
        let token = try await idToken()
        let registered = try await client.register(try HostRegistration.make(hostID: identity.hostID, key: identity.key, idToken: token))
        let url = client.baseURL
        try await store.writer.write { db in
            try db.execute(
                sql: "UPDATE fleet_host SET registered_with = ?, registered_as = ?, witness_key = ?, updated_at = ? WHERE id = 1",
                arguments: [url, registered.subject, "\(info.name) \(info.publicKey)", Timestamp.now()])
        }
        logger.info("registered this host with the fleet collector", metadata: ["host": "\(identity.hostID)", "collector": "\(url)"])
        return Registered(shippedSeq: row.shipped, witness: witness)
    }

    /// `name base64key` as pinned in `fleet_host.witness_key`.
    static func witness(_ pinned: String) -> (name: String, key: Curve25519.Signing.PublicKey)? {
        let parts = pinned.split(separator: " ")
        guard parts.count == 2, let raw = Data(base64Encoded: String(parts[1])), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            return nil
        }
        return (String(parts[0]), key)
    }

    /// How far behind the collector is: records not yet cosigned and the age of the oldest.
    public func lag(now: Date = Date()) async throws -> FleetLag {
        let counts = try await store.pool.read { db -> (Int64, Int64, String?) in
            let shipped = try Int64.fetchOne(db, sql: "SELECT shipped_seq FROM fleet_host WHERE id = 1") ?? 0
            let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_log") ?? 0
            let oldest = try String.fetchOne(db, sql: "SELECT at FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1", arguments: [shipped])
            return (shipped, newest, oldest)
        }
        let seconds = counts.2.flatMap(Timestamp.parse).map { max(0, now.timeIntervalSince($0)) } ?? 0
        let (failures, lastError) = state.withLock { ($0.failures, $0.lastError) }
        return FleetLag(
            hostID: identity.hostID, shippedSeq: counts.0, newestSeq: counts.1, records: max(0, counts.1 - counts.0),
            seconds: seconds, failures: failures, lastError: lastError)
    }
}

/// The shipping lag, for `gatehouse status`.
public struct FleetLag: Sendable, Equatable {
    /// This host's id.
    public var hostID: String
    /// The last seq the collector cosigned.
    public var shippedSeq: Int64
    /// The newest local seq.
    public var newestSeq: Int64
    /// Records not yet cosigned.
    public var records: Int64
    /// Age of the oldest record not yet cosigned (0 when none).
    public var seconds: Double
    /// Consecutive failed attempts.
    public var failures: Int
    /// The last failure, if the last attempt failed.
    public var lastError: String?
}

/// Why shipping stopped; the shipper backs off and tries again.
public enum FleetShipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The collector refused the batch (a fork, a rollback: the local chain differs from what it cosigned).
    case refused(status: Int, kind: String, message: String)
    /// The collector's answer cannot be trusted.
    case badCosignature(String)

    /// A sentence.
    public var description: String {
        switch self {
        case .refused(let status, let kind, let message): "the collector refused the batch (\(status) \(kind)): \(message)"
        case .badCosignature(let reason): reason
        }
    }
}
