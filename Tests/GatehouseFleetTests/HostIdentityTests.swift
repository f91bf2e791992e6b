import Crypto
import Foundation
import GRDB
import GatehouseFleet
import GatehouseIdentity
import GatehouseStore
import GatehouseTestSupport
import Testing

@Suite struct HostIdentityTests {
    @Test func theHostKeyIsMadeOnceStoredSealedAndBoundToTheHostID() async throws {
        let temp = try TemporaryStore()
        defer {
            temp.store.close()
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: temp.directory).deletingLastPathComponent().path)
        }
        let sealer = Sealer(key: SymmetricKey(size: .bits256))
        let first = try await HostIdentity.loadOrCreate(store: temp.store, sealer: sealer, hostName: "Alice's Laptop")
        let again = try await HostIdentity.loadOrCreate(store: temp.store, sealer: sealer, hostName: "other")
        #expect(again.hostID == first.hostID)
        #expect(again.key.rawRepresentation == first.key.rawRepresentation)
        #expect(first.hostID.hasPrefix("alice-s-laptop-") && first.hostID.count == "alice-s-laptop-".count + 16)
        // The stored bytes are not the key, and another sealing key cannot open them.
        let sealed = try await temp.store.pool.read { db in try Data.fetchOne(db, sql: "SELECT key_sealed FROM fleet_host") }
        #expect(sealed?.range(of: first.key.rawRepresentation) == nil)
        await #expect(throws: SealingError.self) {
            _ = try await HostIdentity.loadOrCreate(store: temp.store, sealer: Sealer(key: SymmetricKey(size: .bits256)))
        }
    }
}
