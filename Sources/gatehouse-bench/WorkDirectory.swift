import Foundation

/// A fresh temporary directory for one benchmark's files (sockets, databases, configs).
///
/// Removed by an explicit `remove()` (in a `defer`), not in a `deinit`: an optimized build may
/// release a value right after its last use, which would delete a database still open.
struct WorkDirectory: Sendable {
    /// The directory's absolute path.
    let path: String

    /// Creates `$TMPDIR/<prefix>-<random>`.
    init(_ prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
