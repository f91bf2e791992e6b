import Foundation

/// Why a file could not be read, in words a user can act on. Never includes the file's content.
public enum FileReadError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(path: String)
    case isADirectory(path: String)
    case permissionDenied(path: String)
    case tooLarge(path: String, limit: Int)
    /// A socket, or anything else that cannot be read like a file.
    case unsupportedType(path: String, type: String)
    case failed(path: String, detail: String)

    /// The file's path.
    public var path: String {
        switch self {
        case .notFound(let path), .isADirectory(let path), .permissionDenied(let path), .tooLarge(let path, _),
            .unsupportedType(let path, _), .failed(let path, _):
            path
        }
    }

    /// What is wrong, without the path (for messages that name the file themselves).
    public var reason: String {
        switch self {
        case .notFound: "it does not exist"
        case .isADirectory: "it is a directory, not a file"
        case .permissionDenied: "permission denied for uid \(getuid())"
        case .tooLarge(_, let limit): "it is larger than the \(limit)-byte limit"
        case .unsupportedType(_, let type): "it is a \(type), not a file or a pipe"
        case .failed(_, let detail): detail
        }
    }

    public var description: String { "cannot read \(path): \(reason)" }
}

/// Reads configuration and secret files: regular files, and also pipes, FIFOs, `/dev/fd/N` and
/// character devices such as `/dev/null`, since users pass secrets with process substitution
/// (`--config <(…)`). Foundation's readers refuse all of those with a misleading "permission" error.
///
/// At most `limit` bytes are ever held: a regular file's size is checked before reading, and a
/// stream is read only until it passes the limit.
public enum FileReader {
    /// The bytes of `path`, or an error naming what is wrong with it.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error(errno, path: path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw error(errno, path: path) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: throw .isADirectory(path: path)
        case S_IFREG: if Int(info.st_size) > limit { throw .tooLarge(path: path, limit: limit) }
        case S_IFIFO, S_IFCHR: break
        case S_IFSOCK: throw .unsupportedType(path: path, type: "socket")
        case S_IFBLK: throw .unsupportedType(path: path, type: "block device")
        default: throw .unsupportedType(path: path, type: "special file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path)
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw .tooLarge(path: path, limit: limit) }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// The UTF-8 text of `path` (see `read(_:limit:)`); invalid UTF-8 is an error, not replaced.
    public static func text(_ path: String, limit: Int) throws(FileReadError) -> String {
        let bytes = try read(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .failed(path: path, detail: "it is not UTF-8 text") }
        return text
    }

    /// The limit for secret files (tokens, client secrets): far more than any secret needs.
    public static let secretLimit = 64 << 10

    private static func error(_ code: Int32, path: String) -> FileReadError {
        switch code {
        case ENOENT: .notFound(path: path)
        case EACCES, EPERM: .permissionDenied(path: path)
        case EISDIR: .isADirectory(path: path)
        default: .failed(path: path, detail: String(cString: strerror(code)))
        }
    }
}
