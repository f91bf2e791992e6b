import Foundation

/// The process on the other end of the socket, as the kernel reports it (SO_PEERCRED and `/proc`):
/// the caller cannot forge these.
public struct PeerCredentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The caller's executable (`/proc/PID/exe`), when readable.
    public var executable: String?
    /// True when the caller has a controlling terminal (`tty_nr` in `/proc/PID/stat`), e.g. a shell or `script`'s pty.
    public var hasTerminal: Bool
    /// The caller's parents, nearest first, a few levels up.
    public var parents: [PeerAncestor]

    /// Describes a peer.
    public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String?, hasTerminal: Bool = false, parents: [PeerAncestor] = []) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
        self.hasTerminal = hasTerminal
        self.parents = parents
    }

    /// This process, for calls that do not come over a socket (tests, in-process use).
    public static var current: PeerCredentials { inspect(pid: getpid(), uid: getuid(), gid: getgid()) }

    /// Everything `/proc` says about `pid`, with the uid and gid the kernel vouched for.
    /// Reads a few small files (no hashing: see `executableSHA256()`), so it is cheap enough per connection.
    public static func inspect(pid: Int32, uid: UInt32, gid: UInt32) -> PeerCredentials {
        let stat = ProcStat.read(pid: pid)
        return PeerCredentials(
            uid: uid, gid: gid, pid: pid, executable: executablePath(of: pid), hasTerminal: stat?.hasTerminal ?? false,
            parents: stat.map { PeerAncestor.chain(from: $0.parentPID) } ?? [])
    }

    /// `sha256:<hex>` of the caller's executable while it runs, cached by inode and mtime.
    /// Computed on demand rather than at accept time: a debug build is ~100 MB, and only callers
    /// that are classified by hash or that ask for an approval need it.
    public func executableSHA256(using hasher: ExecutableHasher = .shared) -> String? {
        hasher.sha256(ofExecutableOf: pid)
    }

    /// `/proc/PID/exe`'s target, or nil when the process is gone or not ours to inspect.
    public static func executablePath(of pid: Int32) -> String? {
        ProcFile.link("/proc/\(pid)/exe")
    }
}
