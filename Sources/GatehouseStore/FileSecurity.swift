import Foundation
import GatehouseCore

/// Creates the database's directory (0700) and file (0600) before SQLite does, so neither is
/// ever briefly readable by other users; SQLite gives the -wal and -shm files the same mode.
enum FileSecurity {
    static func prepareDatabaseFile(at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try PrivateFiles.makeDirectory(directory.isEmpty ? "." : directory)
        } catch {
            throw StoreError.cannotCreateDirectory(path: directory, detail: error.description)
        }
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.sqlite("cannot create \(path): \(String(cString: strerror(errno)))") }
        // An existing file keeps its mode from open(); tighten it in case it was created loosely.
        fchmod(fd, 0o600)
        close(fd)
    }
}
