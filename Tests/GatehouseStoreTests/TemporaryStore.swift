import Foundation
import GatehouseStore

/// A fresh database in its own temporary directory.
struct TemporaryStore {
    let directory: String
    let path: String
    let store: Store

    init(options: StoreOptions = .init()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-store-\(UUID().uuidString.prefix(8))/nested").path
        path = directory + "/gatehouse.db"
        store = try Store(path: path, options: options)
    }
}
