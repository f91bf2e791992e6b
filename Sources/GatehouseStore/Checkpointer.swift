import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file from a connection of its own, off the write path.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, and a
/// checkpoint fsyncs: one request in a few hundred would wait milliseconds for the disk. Here the
/// writer never checkpoints (`wal_autocheckpoint=0`); this thread does, PASSIVE, so it never blocks
/// the writer or readers, whenever the WAL has grown past `thresholdBytes`.
final class Checkpointer: Sendable {
    private let queue: DatabaseQueue
    private let walPath: String
    private let thresholdBytes: Int
    private let stopped = Atomic<Bool>(false)

    init(path: String, thresholdBytes: Int = 8 << 20) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        walPath = path + "-wal"
        self.thresholdBytes = thresholdBytes
        let thread = Thread { [self] in self.run() }
        thread.name = "gatehouse.store.checkpoint"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func run() {
        while !stopped.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: 0.25)
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.intValue ?? 0
            if size > thresholdBytes {
                try? queue.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        }
    }
}
