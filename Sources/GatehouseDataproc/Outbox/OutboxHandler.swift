import GRDB
import GatehouseCore

/// What happens to a local record when its outbox entry is delivered or refused. One per entry kind
/// (`job.submit`, `job.cancel`, later `cluster.create`…).
public protocol OutboxHandler: Sendable {
    /// Dataproc accepted the request and answered `response`; runs in the transaction that ends the entry.
    func delivered(_ entry: OutboxEntry, response: JSONValue, in db: Database) throws
    /// Dataproc refused the request for good; runs in the transaction that ends the entry.
    func rejected(_ entry: OutboxEntry, error: DataprocError, in db: Database) throws
    /// The path to read the resource when Dataproc says it already exists (an earlier attempt got through), if the kind has one.
    func existingResourcePath(for entry: OutboxEntry) -> String?
    /// After the commit of `delivered` or `rejected`: wake trackers, notify watchers.
    func committed(_ entry: OutboxEntry) async
    /// The entry was withdrawn while an attempt was in flight, and that attempt ended without an answer
    /// (timeout, reset): the request may have reached Dataproc. Runs in the transaction that records it.
    func withdrawnAfterAmbiguousAttempt(_ entry: OutboxEntry, in db: Database) throws
}

extension OutboxHandler {
    /// Nothing to undo by default.
    public func withdrawnAfterAmbiguousAttempt(_ entry: OutboxEntry, in db: Database) throws {}
}
