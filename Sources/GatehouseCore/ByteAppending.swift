import Foundation
import Glibc

/// Appending text to byte buffers without going byte by byte.
///
/// `append(contentsOf: text.utf8)` copies a small (inline) string one byte at a time through the
/// generic sequence path, and `String(number)` allocates a string for every number; both showed up
/// in the profile of an audit append (`gatehouse-bench audit`), which writes dozens of each.
extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of `text` in one copy.
    @inlinable
    public mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends the bytes of a literal.
    @inlinable
    public mutating func appendLiteral(_ literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal.
    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold any UInt64; filled from the right.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends each byte of `bytes` as two lower-case hex digits.
    ///
    /// `String(format: "%02x")` per byte was a fifth of a cached `token.get`'s profile: its audit
    /// record carries a token fingerprint.
    @inlinable
    public mutating func appendHex(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { raw in
            reserveCapacity(count + 2 * raw.count)
            for byte in raw {
                append(Self.hexDigit(byte >> 4))
                append(Self.hexDigit(byte & 0x0F))
            }
        }
    }

    /// The lower-case hex digit for `nibble` (0…15).
    @inlinable
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension ContiguousBytes {
    /// Lower-case hex, two digits per byte (digests, fingerprints).
    public var hexString: String {
        var out: [UInt8] = []
        out.appendHex(self)
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// Whether the text holds a NUL byte, found with `memchr` over its UTF-8 storage.
    public var containsNUL: Bool {
        var text = self
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
    }
}
