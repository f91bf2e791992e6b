import Foundation

/// How far a sync has come, reported after every page (for the CLI progress bar).
public struct SyncProgress: Sendable, Codable, Equatable {
    /// Entities written so far.
    public var entities: Int
    /// `totalItems` as Backstage announced it, when it did.
    public var totalItems: Int?
    /// Pages fetched so far.
    public var pages: Int
    /// Seconds since the sync started.
    public var elapsedSeconds: Double

    /// Throughput so far.
    public var entitiesPerSecond: Double { elapsedSeconds > 0 ? Double(entities) / elapsedSeconds : 0 }

    /// Seconds left at the current rate, when the total is known.
    public var etaSeconds: Double? {
        guard let totalItems, entitiesPerSecond > 0 else { return nil }
        return Double(max(0, totalItems - entities)) / entitiesPerSecond
    }

    /// Creates a progress report.
    public init(entities: Int, totalItems: Int?, pages: Int, elapsedSeconds: Double) {
        self.entities = entities
        self.totalItems = totalItems
        self.pages = pages
        self.elapsedSeconds = elapsedSeconds
    }
}

/// What a finished sync produced.
public struct SyncReport: Sendable, Codable, Equatable {
    /// The snapshot now current.
    public var snapshotId: Int64
    public var entities: Int
    public var relations: Int
    public var pages: Int
    public var elapsedSeconds: Double
    /// Throughput of the whole sync.
    public var entitiesPerSecond: Double { elapsedSeconds > 0 ? Double(entities) / elapsedSeconds : 0 }
}
