import Foundation
import Glibc

/// A listening socket handed over by systemd socket activation (`sd_listen_fds(3)`): the first CLI call
/// connects to the socket systemd holds, and systemd starts the daemon with it as file descriptor 3.
enum InheritedSocket {
    /// The first file descriptor passed (`SD_LISTEN_FDS_START`).
    static let firstDescriptor: Int32 = 3

    /// The inherited listening Unix stream socket, if this process was started for one; the
    /// `LISTEN_*` variables are removed so that children do not take the socket for theirs.
    static func take() -> Int32? {
        let environment = ProcessInfo.processInfo.environment
        defer { for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) } }
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        else { return nil }
        let fd = firstDescriptor
        var listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        var address = sockaddr()
        var addressLength = socklen_t(MemoryLayout<sockaddr>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1,
            getsockname(fd, &address, &addressLength) == 0, address.sa_family == sa_family_t(AF_UNIX)
        else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }
}
