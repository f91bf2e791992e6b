import Crypto
import Foundation
import GRDB
import GatehouseCore
import GatehouseIdentity
import GatehouseStore

/// This host's fleet identity: an Ed25519 key made at first start, stored sealed (AES-GCM with the
/// identity key, bound to the host id) in `fleet_host`, and the host id derived from it.
public struct HostIdentity: Sendable {
    /// The id checkpoints carry as their origin: the host name and the key's fingerprint.
    public let hostID: String
    /// The signing key.
    public let key: Curve25519.Signing.PrivateKey

    /// `<host name>-<first 8 bytes of SHA-256(public key), hex>`: readable for auditors, unique per key.
    public static func hostID(hostName: String, publicKey: Curve25519.Signing.PublicKey) -> String {
        let name = String(hostName.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" }.prefix(63))
        let fingerprint = Data(SHA256.hash(data: publicKey.rawRepresentation).prefix(8)).hexString
        return "\(name.isEmpty ? "host" : name)-\(fingerprint)"
    }

    /// The stored identity, or a new one made and stored now (first start).
    public static func loadOrCreate(store: Store, sealer: Sealer, hostName: String = ProcessInfo.processInfo.hostName) async throws -> HostIdentity {
        let stored = try await store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT host_id, key_sealed FROM fleet_host WHERE id = 1").map {
                (id: $0["host_id"] as String, sealed: $0["key_sealed"] as Data)
            }
        }
        if let stored { return try open(hostID: stored.id, sealed: stored.sealed, sealer: sealer) }
        let key = Curve25519.Signing.PrivateKey()
        let hostID = hostID(hostName: hostName, publicKey: key.publicKey)
        let sealed = try sealer.seal(key.rawRepresentation.base64EncodedString(), context: context(hostID))
        let now = Timestamp.now()
        // Two starts racing: the first row wins and both use it.
        let winner = try await store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO fleet_host (id, host_id, key_sealed, created_at, updated_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
                arguments: [hostID, sealed, now, now])
            return try Row.fetchOne(db, sql: "SELECT host_id, key_sealed FROM fleet_host WHERE id = 1").map {
                (id: $0["host_id"] as String, sealed: $0["key_sealed"] as Data)
            }
        }
        guard let winner else { throw HostIdentityError.unreadable("the fleet_host row vanished while it was written") }
        return try open(hostID: winner.id, sealed: winner.sealed, sealer: sealer)
    }

    private static func open(hostID: String, sealed: Data, sealer: Sealer) throws -> HostIdentity {
        let text = try sealer.open(sealed, context: context(hostID))
        guard let raw = Data(base64Encoded: text), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw HostIdentityError.unreadable("the stored host key is not an Ed25519 key")
        }
        return HostIdentity(hostID: hostID, key: key)
    }

    /// The sealing context: a sealed key copied to another host id's row does not open.
    static func context(_ hostID: String) -> String { "fleet host key \(hostID)" }
}

/// The host key cannot be used.
public enum HostIdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stored row cannot be read.
    case unreadable(String)

    /// A sentence.
    public var description: String {
        switch self {
        case .unreadable(let reason): "the fleet host key cannot be read (\(reason)); delete the fleet_host row to make a new one and register again"
        }
    }
}
