import Foundation

/// Runs at most one sync at a time: a sync asked for while one runs joins it.
public actor CatalogSyncer {
    private let sync: CatalogSync
    private let onSynced: @Sendable (SyncReport) async -> Void
    private var running: Task<SyncReport, any Error>?
    private var listeners: [UUID: @Sendable (SyncProgress) -> Void] = [:]
    /// The last sync's outcome, for `catalog.status`.
    public private(set) var lastReport: SyncReport?
    /// Why the last sync failed, if it did (cleared by a success).
    public private(set) var lastError: CatalogError?
    /// Progress of the sync in flight.
    public private(set) var current: SyncProgress?

    /// A syncer over `sync`; `onSynced` runs after every successful switch (e.g. to drop policy caches),
    /// before the caller that started the sync hears back.
    public init(sync: CatalogSync, onSynced: @escaping @Sendable (SyncReport) async -> Void = { _ in }) {
        self.sync = sync
        self.onSynced = onSynced
    }

    /// True while a sync runs.
    public var isRunning: Bool { running != nil }

    /// Syncs now (or joins the sync in flight), reporting progress to `progress`.
    public func syncNow(progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws(CatalogError) -> SyncReport {
        let id = UUID()
        if let progress { listeners[id] = progress }
        defer { listeners[id] = nil }
        let task: Task<SyncReport, any Error>
        if let running {
            task = running
        } else {
            task = Task { [sync] in try await sync.run { update in Task { await self.report(update) } } }
            running = task
        }
        do {
            // Shutdown cancels the background loop's wait; the sync itself must stop too.
            let report = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            if finish(task, report: report, error: nil) { await onSynced(report) }
            return report
        } catch {
            let failure = (error as? CatalogError) ?? .store("\(error)")
            finish(task, report: nil, error: failure)
            throw failure
        }
    }

    private func report(_ progress: SyncProgress) {
        current = progress
        listeners.values.forEach { $0(progress) }
    }

    /// Records how `task` ended; false when another caller of the same sync already did.
    @discardableResult
    private func finish(_ task: Task<SyncReport, any Error>, report: SyncReport?, error: CatalogError?) -> Bool {
        guard running == task else { return false }
        running = nil
        current = nil
        if let report {
            lastReport = report
            lastError = nil
        } else {
            lastError = error
        }
        return true
    }
}
