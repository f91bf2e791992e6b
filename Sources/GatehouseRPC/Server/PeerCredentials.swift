import Foundation
import NIOCore

/// The process on the other end of the socket, as the kernel reports it (SO_PEERCRED): it cannot be forged by the caller.
public struct PeerCredentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The caller's executable (`/proc/PID/exe`), when readable.
    public var executable: String?

    /// Describes a peer.
    public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String?) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
    }

    /// This process, for calls that do not come over a socket (tests, in-process use).
    public static var current: PeerCredentials {
        PeerCredentials(uid: getuid(), gid: getgid(), pid: getpid(), executable: executablePath(of: getpid()))
    }

    /// Reads the credentials of `channel`'s peer.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(PeerCredentialsError.unsupported)
        }
        let raw: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return raw.map { cred in
            PeerCredentials(uid: cred.uid, gid: cred.gid, pid: cred.pid, executable: executablePath(of: cred.pid))
        }
    }

    /// `/proc/PID/exe`'s target, or nil when the process is gone or not ours to inspect.
    public static func executablePath(of pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `struct ucred` from <sys/socket.h>. Glibc's Swift module hides it (it needs `_GNU_SOURCE`),
/// so it is declared here with the same layout: pid_t, uid_t, gid_t.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum PeerCredentialsError: Error, CustomStringConvertible {
    case unsupported
    var description: String { "this channel type cannot report its peer's credentials" }
}
