import Foundation

/// Why the store could not be opened or written, in words a user can act on.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotCreateDirectory(path: String, detail: String)
    case insecurePermissions(path: String, mode: String)
    case newerSchema(path: String, found: Int, known: Int)
    case migrationFailed(version: Int, name: String, detail: String)
    case notFound(path: String)
    case writerStopped
    case sqlite(String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let detail):
            "cannot create the database directory \(path): \(detail)"
        case .insecurePermissions(let path, let mode):
            "\(path) has mode \(mode), readable by other users; run `chmod go-rwx \(path)`"
        case .newerSchema(let path, let found, let known):
            "\(path) was written by a newer Gatehouse (schema version \(found); this binary knows up to \(known)). "
                + "Upgrade gatehouse, or point --db at another file."
        case .migrationFailed(let version, let name, let detail):
            "schema migration \(String(format: "%04d", version))_\(name) failed and was rolled back: \(detail)"
        case .notFound(let path):
            "no Gatehouse database at \(path); start the daemon once (`gatehouse serve`) or pass --db"
        case .writerStopped:
            "the database writer has stopped (the daemon is shutting down)"
        case .sqlite(let detail):
            "database error: \(detail)"
        }
    }
}
