import Foundation
import GatehouseStore

/// A fresh database in a directory of its own that does not exist yet (the store creates it, 0700).
public struct TemporaryStore: Sendable {
    /// The database's directory.
    public let directory: String
    /// The database file.
    public let path: String
    /// The open store.
    public let store: Store

    /// Opens a new store with `options`.
    public init(options: StoreOptions = .init()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-store-\(UUID().uuidString.prefix(8))/nested").path
        path = directory + "/gatehouse.db"
        store = try Store(path: path, options: options)
    }
}
