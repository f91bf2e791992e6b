import Foundation
import GatehousePeer
import NIOCore

extension PeerCredentials {
    /// Reads the credentials of `channel`'s peer (SO_PEERCRED), then what `/proc` says of it.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(PeerCredentialsError.unsupported)
        }
        let raw: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return raw.map { cred in inspect(pid: cred.pid, uid: cred.uid, gid: cred.gid) }
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
