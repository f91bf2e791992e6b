import Foundation
import GRDB

/// The space left where the database lives, and whether a write failed for want of it. A full disk
/// is its own answer (`disk_full`, with the path and what is free), not a generic failure: it is the
/// one cause a person can fix at once, and nothing was written, so retrying afterwards is safe.
public struct DiskSpace: Sendable, Equatable {
    /// The database file the space was measured for.
    public var path: String
    /// Bytes an unprivileged writer may still use on that filesystem.
    public var freeBytes: Int64

    /// The free space of the filesystem holding `path` (its directory, if the file is not there yet).
    public static func measure(_ path: String) -> DiskSpace? {
        var stats = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(FileManager.default.fileExists(atPath: path) ? path : directory, &stats) == 0 else { return nil }
        return DiskSpace(path: path, freeBytes: Int64(stats.f_bavail) * Int64(stats.f_frsize))
    }

    /// True when `error` says the disk (or the file-size limit) is full: SQLite answers `SQLITE_FULL`
    /// for ENOSPC and EDQUOT, and the writer may pass it on wrapped in its own error.
    public static func isFull(_ error: any Error) -> Bool {
        if let error = error as? DatabaseError { return error.resultCode == .SQLITE_FULL }
        if case StoreError.sqlite(let detail) = error { return detail.contains("database or disk is full") }
        return false
    }
}
