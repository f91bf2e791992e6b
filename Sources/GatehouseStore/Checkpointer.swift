import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file from a connection of its own, off the write path,
/// and keeps the WAL file from growing without bound.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, and a
/// checkpoint fsyncs: one request in a few hundred would wait milliseconds for the disk. Here the
/// writer never checkpoints (`wal_autocheckpoint=0`); this thread does, whenever the WAL has grown
/// past `thresholdBytes`, in two steps:
/// 1. PASSIVE from its own connection: the bulk of the copying and the fsyncs, alongside the
///    writer and readers, blocking neither.
/// 2. PASSIVE again on the writer's connection, holding the writer's turn: it copies only what was
///    committed during step 1. SQLite starts the WAL over from its beginning only when a write
///    finds it fully copied; under steady load the writer always appends during step 1, so without
///    this step the WAL never restarts and grows by every record ever written (measured: 560 MB
///    after a minute of `gatehouse-bench load`).
final class Checkpointer: Sendable {
    private let queue: DatabaseQueue
    private let writer: BatchWriter
    private let walPath: String
    private let thresholdBytes: Int
    private let interval: TimeInterval
    private let frameBytes: Int
    private let stopped = Atomic<Bool>(false)
    private let writerSteps = Atomic<Int>(0)

    init(path: String, writer: BatchWriter, thresholdBytes: Int, interval: TimeInterval) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        // A WAL frame is a page plus its 24-byte header.
        frameBytes = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096 } + 24
        self.writer = writer
        walPath = path + "-wal"
        self.thresholdBytes = thresholdBytes
        self.interval = interval
        let thread = Thread { [self] in self.run() }
        thread.name = "gatehouse.store.checkpoint"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func run() {
        while !stopped.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: interval)
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.intValue ?? 0
            guard size > thresholdBytes else { continue }
            let frames = (try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }) ?? 0
            // The file keeps its size when the WAL starts over: only a WAL that really holds this much
            // needs the writer's turn, not one that restarted and is filling the same file from the top.
            guard frames * frameBytes > thresholdBytes else { continue }
            // A reader still on an older snapshot can keep this from finishing; the next round retries.
            writer.betweenTransactions { db in _ = try? db.checkpoint(.passive) }
            writerSteps.add(1, ordering: .relaxed)
        }
    }

    /// How often the second step (on the writer's turn) has run.
    var stepsOnWritersTurn: Int { writerSteps.load(ordering: .relaxed) }
}
