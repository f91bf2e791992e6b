import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The append-only, hash-chained audit log.
public final class AuditLog: Sendable {
    private let writer: BatchWriter

    /// An audit log writing through `store`'s group-commit writer.
    public init(store: Store) {
        self.writer = store.writer
    }

    /// Appends `entry` (and runs `change` in the same transaction, if given); `completion` gets the
    /// record's sequence number once committed. If `change` throws, neither is kept. `inlineWhenIdle`:
    /// see `BatchWriter.submit` (for callers that can afford a short commit on their own thread).
    public func append(
        _ entry: AuditEntry,
        alongside change: BatchWriter.Work? = nil,
        inlineWhenIdle: Bool = false,
        completion: @escaping @Sendable (Result<Int64, any Error>) -> Void
    ) {
        append([Append(entry, alongside: change, completion: completion)], inlineWhenIdle: inlineWhenIdle)
    }

    /// One record to append, with its state change and completion.
    public struct Append: Sendable {
        let entry: AuditEntry
        let change: BatchWriter.Work?
        let completion: @Sendable (Result<Int64, any Error>) -> Void

        /// See `AuditLog.append(_:alongside:inlineWhenIdle:completion:)`.
        public init(
            _ entry: AuditEntry, alongside change: BatchWriter.Work? = nil, completion: @escaping @Sendable (Result<Int64, any Error>) -> Void
        ) {
            self.entry = entry
            self.change = change
            self.completion = completion
        }
    }

    /// Appends several records in one group commit (savepoints only on the rerun after a failed write).
    public func append(_ appends: [Append], inlineWhenIdle: Bool = false) {
        // Everything but the chaining is done here, on the caller's thread, so the single writer
        // spends its turn only on what must be serialized.
        let statements = AuditStatements.Cache()
        let items = appends.map { append in
            let draft = Draft(append.entry)
            let seq = SeqBox()
            let change = append.change
            return BatchWriter.Item(
                { db in
                    try change?(db)
                    seq.value = try draft.chain(in: db, statements: statements.statements(in: db)).seq
                },
                completion: { outcome in
                    append.completion(outcome.map { seq.value })
                })
        }
        writer.submit(items, inlineWhenIdle: inlineWhenIdle)
    }

    /// Appends `entry` and returns its sequence number once committed.
    @discardableResult
    public func append(_ entry: AuditEntry, alongside change: BatchWriter.Work? = nil) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            append(entry, alongside: change) { continuation.resume(with: $0) }
        }
    }

    /// Inserts `entry` at the head of the chain inside the caller's transaction.
    @discardableResult
    public static func insert(_ entry: AuditEntry, in db: Database) throws -> AuditRecord {
        try Draft(entry).chain(in: db, statements: AuditStatements(db))
    }

    /// A record whose columns and canonical bytes are ready, waiting for its place in the chain.
    struct Draft: Sendable {
        var record: AuditRecord
        let template: CanonicalTemplate

        init(_ entry: AuditEntry) {
            record = AuditRecord(
                seq: 0,
                at: Timestamp.string(entry.at),
                requestID: Self.storable(entry.requestID),
                peerUID: entry.peer.map { Int64($0.uid) },
                peerGID: entry.peer.map { Int64($0.gid) },
                peerPID: entry.peer.map { Int64($0.pid) },
                peerExe: Self.storable(entry.peer?.executable),
                callerClass: Self.storable(entry.callerClass),
                principal: Self.storable(entry.principal),
                method: Self.storable(entry.method) ?? "",
                entity: Self.storable(entry.entity),
                params: Redaction.redact(entry.params).canonicalString,
                decision: entry.decision.rawValue,
                rule: Self.storable(entry.rule),
                outcome: entry.outcome.rawValue,
                errorReason: Self.storable(entry.errorReason),
                detail: entry.detail.map { Redaction.redact($0).canonicalString },
                durationUS: entry.durationMicros,
                prevHash: AuditRecord.genesisHash,
                hash: Data())
            template = record.canonicalTemplate()
        }

        /// `text` as SQLite hands it back: readers (GRDB, the sqlite3 CLI) end text at a NUL, so a
        /// NUL from the caller (a method name is theirs to choose) would make an intact record fail
        /// verification. It is stored, and hashed, as U+FFFD instead.
        static func storable(_ text: String?) -> String? {
            guard let text, text.containsNUL else { return text }
            return text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
        }

        /// Links the record to the current head and inserts it, inside the caller's transaction.
        ///
        /// The head is read from the database rather than cached, so a rolled-back savepoint can never
        /// leave a stale head behind; with a cached statement on the primary key this costs a b-tree probe.
        func chain(in db: Database, statements: AuditStatements) throws -> AuditRecord {
            var record = self.record
            let head = try statements.head(in: db) ?? (0, AuditRecord.genesisHash)
            record.seq = head.seq + 1
            record.prevHash = head.hash
            record.hash = template.hash(seq: record.seq, prevHash: record.prevHash)
            try statements.insert(record, in: db)
            return record
        }
    }
}

/// Carries the sequence number out of the writer's closure; set before completion reads it.
private final class SeqBox: @unchecked Sendable {
    var value: Int64 = 0
}
