import CoreFoundation
import Foundation
import GRDB
import GatehouseTestSupport
import Synchronization
import Testing

@testable import GatehouseStore

@Suite("Store")
struct StoreTests {
    @Test func timestampsAreRFC3339UTCWithMicroseconds() {
        // Fractions that are exact in binary, so the expected digits do not depend on rounding.
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_795_425_660.015_625)) == "2026-11-23T09:21:00.015625Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        // Before 1970 the fraction still counts forward from the whole second.
        #expect(Timestamp.string(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750000Z")
        let now = Date()
        #expect(Timestamp.parse(Timestamp.string(now)).map { abs($0.timeIntervalSince(now)) < 0.000_002 } == true)
    }

    @Test func everySchemaFileIsEmbeddedInOrder() throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: schema.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == SchemaMigrations.all.map(\.fileName))
        #expect(SchemaMigrations.all.map(\.version) == Array(1...SchemaMigrations.all.count))
        for migration in SchemaMigrations.all {
            let text = try String(contentsOf: schema.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(text == migration.sql, "\(migration.fileName) differs from the embedded copy; rebuild")
        }
    }

    @Test func opensInWALWithPrivateFilesAndRecordsMigrations() throws {
        let temp = try TemporaryStore()
        let mode = try temp.store.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let foreignKeys = try temp.store.pool.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == 1)
        #expect(try temp.store.schemaVersion() == SchemaMigrations.latestVersion)
        var info = stat()
        #expect(stat(temp.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(temp.directory, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let recorded = try temp.store.pool.read { try Int.fetchAll($0, sql: "SELECT version FROM schema_migrations ORDER BY version") }
        #expect(recorded == SchemaMigrations.all.map(\.version))
    }

    @Test func reopeningDoesNotReapplyMigrations() throws {
        let temp = try TemporaryStore()
        temp.store.close()
        let again = try Store(path: temp.path)
        #expect(try again.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM schema_migrations") } == SchemaMigrations.all.count)
    }

    @Test func aDatabaseFromANewerGatehouseIsRefused() throws {
        let temp = try TemporaryStore()
        try temp.store.pool.write { db in
            try db.execute(sql: "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 'x')")
        }
        temp.store.close()
        #expect {
            _ = try Store(path: temp.path)
        } throws: { error in
            guard case StoreError.newerSchema(_, let found, let known) = error else { return false }
            return found == 999 && known == SchemaMigrations.latestVersion
                && "\(error)".contains("newer Gatehouse")
        }
        #expect(throws: StoreError.self) { _ = try Store.openReadOnly(path: temp.path) }
    }

    @Test func aFailingMigrationRollsBackAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-mig-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory + "/m.db")
        let good = Migration(1, "good", Array("CREATE TABLE a(x);".utf8))
        let bad = Migration(2, "bad", Array("CREATE TABLE b(x); INSERT INTO nowhere VALUES (1);".utf8))
        #expect(throws: StoreError.self) { try Migrator.migrate(queue, path: "m.db", migrations: [good, bad]) }
        let tables = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name") }
        #expect(tables.contains("a") && !tables.contains("b"))
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT MAX(version) FROM schema_migrations") } == 1)
    }

    @Test func batchedWritesCommitTogetherAndAFailingWriteRollsBackAlone() async throws {
        let temp = try TemporaryStore()
        try await temp.store.writer.write { db in try db.execute(sql: "CREATE TABLE t(x INTEGER UNIQUE)") }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for value in 0..<200 {
                group.addTask {
                    do {
                        // 7 is written twice: exactly one of the two must fail, without taking its batch down.
                        try await temp.store.writer.write { db in
                            try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value == 100 ? 7 : value])
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            var failures = 0
            for try await ok in group where !ok { failures += 1 }
            #expect(failures == 1)
        }
        let count = try await temp.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") }
        #expect(count == 199)
    }

    @Test func aFailingWriteInABatchRerunsTheOthersOnceWithTheirCommitHooksFiredOnce() throws {
        let temp = try TemporaryStore()
        try temp.store.pool.write { db in try db.execute(sql: "CREATE TABLE t(x INTEGER UNIQUE)") }
        let runs = Mutex(0)
        let hooks = Mutex(0)
        let outcomes = Mutex<[Int: Bool]>([:])
        // One submission on an idle writer commits as one batch; the second 1 violates UNIQUE.
        let items = [1, 1, 2].enumerated().map { index, value in
            BatchWriter.Item(
                { db in
                    runs.withLock { $0 += 1 }
                    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                    db.afterNextTransaction(onCommit: { _ in hooks.withLock { $0 += 1 } })
                },
                completion: { outcome in
                    outcomes.withLock { $0[index] = (try? outcome.get()) != nil }
                })
        }
        temp.store.writer.submit(items, inlineWhenIdle: true)
        #expect(outcomes.withLock { $0 } == [0: true, 1: false, 2: true])
        // Optimistic pass: the first two ran, the second failed; then all three again, each in a savepoint.
        #expect(runs.withLock { $0 } == 5)
        // Hooks of the rolled-back pass never fire; the kept writes' fire once each.
        #expect(hooks.withLock { $0 } == 2)
        let values = try temp.store.pool.read { try Int.fetchAll($0, sql: "SELECT x FROM t ORDER BY x") }
        #expect(values == [1, 2])
    }

    @Test func anInlineCommitterAlsoCommitsWhatQueuedDuringItsTurn() throws {
        let temp = try TemporaryStore()
        try temp.store.pool.write { db in try db.execute(sql: "CREATE TABLE t(x INTEGER)") }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let inlineThread = Mutex<pthread_t?>(nil)
        let queuedThread = Mutex<pthread_t?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            temp.store.writer.submit(
                { _ in
                    inlineThread.withLock { $0 = Self.thread }
                    holding.signal()
                    release.wait()
                }, inlineWhenIdle: true
            ) { _ in }
        }.start()
        holding.wait()
        // Offered while the inline committer holds the turn: queued, not committed here.
        temp.store.writer.submit({ db in try db.execute(sql: "INSERT INTO t VALUES (1)") }, inlineWhenIdle: true) { _ in
            queuedThread.withLock { $0 = Self.thread }
            done.signal()
        }
        #expect(queuedThread.withLock { $0 } == nil)
        release.signal()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(queuedThread.withLock { $0 } != nil && queuedThread.withLock { $0 } == inlineThread.withLock { $0 })
    }

    // Thread identity by pthread_self: libdispatch renames threads that run its queues, so names prove nothing.
    static var thread: pthread_t { pthread_self() }

    @Test func anIdleWriterCommitsInlineOnTheCallersThreadAndABusyOneQueues() throws {
        let temp = try TemporaryStore()
        let caller = Self.thread
        let committedOn = Mutex<pthread_t?>(nil)
        temp.store.writer.submit({ db in try db.execute(sql: "CREATE TABLE t(x INTEGER)") }, inlineWhenIdle: true) { outcome in
            if case .success = outcome { committedOn.withLock { $0 = Self.thread } }
        }
        // Inline means committed before `submit` returns, on this very thread.
        #expect(committedOn.withLock { $0 } == caller)

        // While the writer thread holds the turn, an inline offer queues and that thread commits it afterwards.
        let release = DispatchSemaphore(value: 0)
        let holding = DispatchSemaphore(value: 0)
        temp.store.writer.submit({ _ in
            holding.signal()
            release.wait()
        }) { _ in }
        holding.wait()
        let queuedOn = Mutex<pthread_t?>(nil)
        let committed = DispatchSemaphore(value: 0)
        temp.store.writer.submit({ db in try db.execute(sql: "INSERT INTO t VALUES (2)") }, inlineWhenIdle: true) { _ in
            queuedOn.withLock { $0 = Self.thread }
            committed.signal()
        }
        #expect(queuedOn.withLock { $0 } == nil)
        release.signal()
        #expect(committed.wait(timeout: .now() + 10) == .success)
        #expect(queuedOn.withLock { $0 } != caller)
    }

    @Test func durabilityFullNeverCommitsOnTheCallersThread() throws {
        let temp = try TemporaryStore(options: StoreOptions(durability: .full))
        let committedOn = Mutex<pthread_t?>(nil)
        let committed = DispatchSemaphore(value: 0)
        temp.store.writer.submit({ db in try db.execute(sql: "CREATE TABLE t(x INTEGER)") }, inlineWhenIdle: true) { _ in
            committedOn.withLock { $0 = Self.thread }
            committed.signal()
        }
        #expect(committed.wait(timeout: .now() + 10) == .success)
        #expect(committedOn.withLock { $0 } != Self.thread)
    }

    @Test func theWALStartsOverUnderSteadyWritesInsteadOfGrowingWithThem() throws {
        // Writes never pause here, as under steady load: a checkpoint alongside the writer alone never
        // finds the WAL fully copied, and the WAL grew by everything written (40 MiB below).
        let threshold = 1 << 20
        let temp = try TemporaryStore(options: StoreOptions(checkpointBytes: threshold, checkpointInterval: 0.02))
        try temp.store.pool.write { db in try db.execute(sql: "CREATE TABLE t(x BLOB)") }
        let written = 40 << 20
        let row = Data(repeating: 0xA5, count: 4000)
        let walPath = temp.path + "-wal"
        func walSize() -> Int { (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int) ?? 0 }
        var largest = 0
        for _ in 0..<(written / (row.count * 50)) {
            let committed = DispatchSemaphore(value: 0)
            temp.store.writer.submit(
                { db in
                    for _ in 0..<50 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [row]) }
                }, inlineWhenIdle: true
            ) { _ in committed.signal() }
            committed.wait()
            largest = max(largest, walSize())
        }
        #expect(try temp.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == written / (row.count * 50) * 50)
        // Bounded by the threshold plus what the checkpoint thread's delays let through: far below what
        // was written. On 2 busy cores one late check let the WAL reach 12.4 MiB; a WAL that grew with
        // the writes would pass 40.
        #expect(largest < 20 << 20, "largest WAL \(largest) bytes after writing \(written)")
    }

    @Test func aWALThatStartedOverIsNotForcedAgainJustBecauseItsFileIsLarge() throws {
        let threshold = 1 << 20
        let temp = try TemporaryStore(options: StoreOptions(checkpointBytes: threshold, checkpointInterval: 0.02))
        try temp.store.pool.write { db in try db.execute(sql: "CREATE TABLE t(x BLOB)") }
        func write(_ bytes: Int) {
            let committed = DispatchSemaphore(value: 0)
            temp.store.writer.submit(
                { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [Data(count: bytes)]) },
                inlineWhenIdle: true
            ) { _ in committed.signal() }
            committed.wait()
        }
        // Fill the WAL past the threshold until the writer's turn has been needed to start it over.
        let deadline = Date().addingTimeInterval(30)
        while temp.store.checkpointer.stepsOnWritersTurn == 0 && Date() < deadline { write(64 << 10) }
        #expect(temp.store.checkpointer.stepsOnWritersTurn > 0)
        let walPath = temp.path + "-wal"
        #expect(((try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int) ?? 0) > threshold)
        // Now light writes for about 25 check intervals: the file is still large, its content small.
        let before = temp.store.checkpointer.stepsOnWritersTurn
        for _ in 0..<50 {
            write(100)
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(temp.store.checkpointer.stepsOnWritersTurn - before <= 1)
    }

    @Test func writesAfterStopAreRefused() async throws {
        let temp = try TemporaryStore()
        temp.store.close()
        await #expect(throws: StoreError.self) {
            try await temp.store.writer.write { db in try db.execute(sql: "SELECT 1") }
        }
    }
}
