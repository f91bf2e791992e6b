import Foundation
import GRDB
import GatehouseAudit
import GatehouseCore
import GatehouseStore
import Logging

/// Local retention (`audit.retention_days`): prunes audit records that are older than the retention
/// *and* covered by the checkpoint the collector cosigned, through `AuditPruning` (the one path that
/// may delete them). The chain then starts at the first record kept (the anchor), and `audit verify`
/// proves continuity from it to the cosigned head.
public struct LocalRetention: Sendable {
    let store: Store
    /// How long records are kept.
    public let retention: TimeInterval
    /// Most records deleted per write transaction, so requests' commits interleave with a large pruning.
    let chunk: Int

    /// Retention of `retention` seconds over `store`.
    public init(store: Store, retention: TimeInterval, chunk: Int = 5_000) {
        self.store = store
        self.retention = retention
        self.chunk = chunk
    }

    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// Records deleted.
        public var pruned: Int
        /// The first record kept afterwards, if any was ever pruned.
        public var anchorSeq: Int64?

        /// A pass that deleted `pruned` records, leaving the chain to start at `anchorSeq`.
        public init(pruned: Int, anchorSeq: Int64?) {
            self.pruned = pruned
            self.anchorSeq = anchorSeq
        }
    }

    /// Prunes everything due at `now`.
    public func prune(now: Date = Date()) async throws -> Pass {
        let cutoff = Timestamp.string(now.addingTimeInterval(-retention))
        let plan = try await store.pool.read { db -> (below: Int64, note: String)? in
            // Only a checkpoint whose cosignature checks out against the pinned witness, and whose
            // head is the local record at its size, covers anything.
            let state = try CosignedCheckpointCheck.hostState(db)
            guard let kept = state.kept, kept.cosignedAt != nil, kept.checkpoint.size > 0,
                let note = try Self.keptNote(db, size: kept.checkpoint.size),
                try Data.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [kept.checkpoint.size]) == kept.checkpoint.head
            else { return nil }
            // The first record at or after the cutoff (in time order, through the `at` index) and
            // everything after it stays; so does the record at the cosigned size (the anchor).
            let firstYoung = try Int64.fetchOne(db, sql: "SELECT seq FROM audit_log WHERE at >= ? ORDER BY at LIMIT 1", arguments: [cutoff])
            return (min(kept.checkpoint.size, firstYoung ?? kept.checkpoint.size), note)
        }
        var pass = Pass(pruned: 0, anchorSeq: nil)
        if let plan {
            while true {
                let deleted = try await store.writer.write { [chunk] db in
                    try AuditPruning.prune(below: plan.below, coveredBy: plan.note, limit: chunk, in: db)
                }
                pass.pruned += deleted
                if deleted == 0 { break }
            }
        }
        pass.anchorSeq = try await store.pool.read { db in try AuditAnchor.read(db)?.seq }
        return pass
    }

    /// The signed-note text of the kept checkpoint at `size` (the shipper's, or the anchor's).
    static func keptNote(_ db: Database, size: Int64) throws -> String? {
        if let note = try String.fetchOne(db, sql: "SELECT cosigned_note FROM fleet_host WHERE id = 1 AND cosigned_size = ?", arguments: [size]) {
            return note
        }
        return try AuditAnchor.read(db).map(\.cosignedNote)
    }

    /// Prunes whenever `wakeups` yields (after each shipment) and at least every `every`, until cancelled.
    public func run(wakeups: AsyncStream<Void>, every: Duration, logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            let (ticks, ticker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask {
                for await _ in wakeups { ticker.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    ticker.yield()
                    try? await Task.sleep(for: every)
                }
            }
            group.addTask {
                for await _ in ticks {
                    if Task.isCancelled { return }
                    do {
                        let pass = try await prune()
                        if pass.pruned > 0 {
                            logger.debug("pruned audit records", metadata: ["records": "\(pass.pruned)", "anchor": "\(pass.anchorSeq ?? 0)"])
                        }
                    } catch {
                        logger.warning("audit retention could not prune", metadata: ["error": "\(error)"])
                    }
                }
            }
            // Every child ends when the daemon cancels this task at shutdown.
            await group.waitForAll()
        }
    }
}
