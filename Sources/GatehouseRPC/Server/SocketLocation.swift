import Foundation
import GatehouseCore

/// Where the daemon's socket lives, and whether one already there is alive.
public enum SocketLocation {
    /// `$XDG_RUNTIME_DIR/gatehouse/gatehouse.sock`, or `~/.gatehouse/gatehouse.sock` without a runtime dir.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime + "/gatehouse/gatehouse.sock"
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.gatehouse/gatehouse.sock"
    }

    /// What is at a socket path.
    public enum Occupancy: Equatable, Sendable {
        case free
        /// A socket file no process listens on (left by a crashed daemon): safe to replace.
        case stale
        /// A daemon answers there.
        case live
        /// Something that is not a socket.
        case notASocket
    }

    /// Probes `path` by connecting to it.
    public static func occupancy(of path: String) -> Occupancy {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .free }
        guard info.st_mode & S_IFMT == S_IFSOCK else { return .notASocket }
        switch UnixSocket.connect(path: path) {
        case .success(let fd):
            close(fd)
            return .live
        case .failure(let error):
            return error.code == ECONNREFUSED || error.code == ENOENT ? .stale : .live
        }
    }
}

/// A blocking Unix-socket connection for clients (the CLI, tests, benchmarks).
public enum UnixSocket {
    /// A POSIX error with its errno.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let code: Int32
        public let operation: String
        public var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// Connects to `path`, returning the file descriptor.
    public static func connect(path: String) -> Result<Int32, Failure> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(code: errno, operation: "socket")) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            return .failure(Failure(code: ENAMETOOLONG, operation: "connect \(path)"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            return .failure(Failure(code: code, operation: "connect \(path)"))
        }
        return .success(fd)
    }
}
