import Crypto
import Foundation
import GatehouseCore
import Synchronization

/// SHA-256 of executables, cached by the file's identity (device, inode, size, mtime) so each
/// binary is read once per daemon, not once per connection; a rebuilt or replaced binary has a
/// new identity and is hashed again.
public final class ExecutableHasher: Sendable {
    /// The file facts the cache is keyed by.
    struct FileIdentity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    /// The daemon-wide cache.
    public static let shared = ExecutableHasher()

    private let cache = Mutex<[FileIdentity: String]>([:])
    private let computed = Atomic<Int>(0)

    /// An empty cache (tests use their own).
    public init() {}

    /// `sha256:<hex>` of the executable `pid` runs, or nil when the process is gone or not ours to read.
    /// Opens `/proc/PID/exe` itself, so a binary replaced or deleted since the process started is still the one hashed.
    public func sha256(ofExecutableOf pid: Int32) -> String? {
        sha256(ofFileAt: "/proc/\(pid)/exe")
    }

    /// `sha256:<hex>` of the file at `path`, or nil when it cannot be read.
    public func sha256(ofFileAt path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let identity = FileIdentity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
        if let known = cache.withLock({ $0[identity] }) { return known }
        guard let digest = Self.digest(of: fd) else { return nil }
        computed.add(1, ordering: .relaxed)
        cache.withLock { $0[identity] = digest }
        return digest
    }

    /// How many files were actually read and hashed (cache misses).
    public var hashesComputed: Int { computed.load(ordering: .relaxed) }

    private static func digest(of fd: Int32) -> String? {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return "sha256:" + hasher.finalize().hexString
    }
}
