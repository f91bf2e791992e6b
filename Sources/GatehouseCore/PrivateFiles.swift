import Foundation

/// Files only the daemon's user may read: its database, keys and socket directory.
public enum PrivateFiles {
    /// `mkdir -p` giving every directory it creates mode 0700; an existing directory is left as it is.
    public static func makeDirectory(_ path: String) throws(PrivateFilesError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path) }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreate(path, "\(error.localizedDescription)")
        }
        // Intermediate directories get the same attributes, but the umask may have narrowed the leaf further.
        chmod(path, 0o700)
    }

    /// True when `path` can be read or written by users other than its owner.
    public static func isExposed(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 != 0
    }

    /// The mode bits of `path` as octal text (`0600`), or nil when it does not exist.
    public static func mode(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return String(format: "%04o", info.st_mode & 0o7777)
    }
}

/// Why a private directory could not be made.
public enum PrivateFilesError: Error, CustomStringConvertible, Sendable {
    case notADirectory(String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path) exists and is not a directory"
        case .cannotCreate(let path, let reason): "cannot create directory \(path): \(reason)"
        }
    }
}
