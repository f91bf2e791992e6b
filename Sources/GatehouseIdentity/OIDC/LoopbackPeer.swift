import Foundation

/// Who is on the other end of a loopback TCP connection. The kernel lists every TCP socket in
/// `/proc/net/tcp` and `/proc/net/tcp6` with its inode and the uid that owns it; the peer's socket
/// is the one whose local address is the connection's remote one and whose remote address is ours.
/// The uid column is the kernel's own record of the socket's owner; going from the inode to a
/// process instead would mean reading every process's descriptors, which a daemon not running as
/// root cannot do for other users.
enum LoopbackPeer {
    /// The uid owning the socket at `peer` connected to `local`, or nil when the kernel lists no
    /// such socket (then the caller cannot be told apart from anyone else, and is refused).
    static func uid(peer: (ip: String, port: Int), local: (ip: String, port: Int), tables: [String] = ["/proc/net/tcp", "/proc/net/tcp6"]) -> UInt32?
    {
        for table in tables {
            let wide = table.hasSuffix("6")
            guard let peerHex = hex(peer.ip, port: peer.port, wide: wide), let localHex = hex(local.ip, port: local.port, wide: wide),
                let text = readWhole(table)
            else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                guard fields.count > 9, fields[1] == peerHex, fields[2] == localHex else { continue }
                // A socket its process already closed is listed with inode 0 and uid 0: it belongs to
                // nobody any more, and must not pass for root's. A browser waiting for our answer
                // still holds its socket, so its inode is live.
                guard let inode = UInt64(fields[9]), inode != 0 else { return nil }
                return UInt32(fields[7])
            }
        }
        return nil
    }

    /// An address as the kernel prints it: each 32-bit word of the address in host byte order as
    /// hex, then `:` and the port. IPv4 addresses appear in the tcp6 table as `::ffff:a.b.c.d`.
    static func hex(_ ip: String, port: Int, wide: Bool) -> String? {
        var bytes: [UInt8]
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, ip, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            if wide { bytes = Array(repeating: 0, count: 10) + [0xFF, 0xFF] + bytes }
        } else if wide, inet_pton(AF_INET6, ip, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
        guard (0...65_535).contains(port) else { return nil }
        var words = ""
        for start in stride(from: 0, to: bytes.count, by: 4) {
            let word = UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16 | UInt32(bytes[start + 3]) << 24
            words += hex32(UInt32(littleEndian: word))
        }
        return words + ":" + String(format: "%04X", port)
    }

    /// A /proc file read to its end: they report size 0, so readers that trust `stat` get nothing.
    private static func readWhole(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
