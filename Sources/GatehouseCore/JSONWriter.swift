/// Serializes `JSONValue` to compact JSON bytes.
///
/// Written by hand because audit hashes are computed over these bytes: they must stay identical
/// across Foundation releases, and `JSONEncoder` promises no particular key order, escaping or
/// number format. It is also the hot path of every RPC response, where it is several times faster.
public enum JSONWriter {
    /// `value` as compact JSON; with `sortedKeys`, object members in code-point order (the canonical form).
    public static func bytes(_ value: JSONValue, sortedKeys: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(value, into: &out, sortedKeys: sortedKeys)
        return out
    }

    /// Appends `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8], sortedKeys: Bool = true) {
        switch value {
        case .null:
            out.appendLiteral("null")
        case .bool(let flag):
            out.appendLiteral(flag ? "true" : "false")
        case .int(let number):
            out.appendDecimal(number)
        case .double(let number):
            if number.isFinite {
                if number.rounded() == number && abs(number) < 1e15 {
                    out.appendDecimal(Int64(number))
                } else {
                    out.appendUTF8(number.description)
                }
            } else {
                out.appendLiteral("null")  // JSON has no NaN or infinity
            }
        case .string(let text):
            writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            let keys = sortedKeys ? members.keys.sorted(by: codePointOrder) : Array(members.keys)
            for key in keys {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// Appends UTF-8 text as a JSON string, the same bytes as `writeString(_:into:)` (for readers that
    /// hold the text's bytes, such as a SQLite column, and need no `String`).
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy runs of plain bytes at once, escape the rest.
        var runStart = 0
        for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            escape(byte, into: &out)
            runStart = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            out.appendLiteral("\\u00")
            out.append([UInt8].hexDigit(byte >> 4))
            out.append([UInt8].hexDigit(byte & 0x0F))
        }
    }

    /// Orders keys by Unicode code points, independent of locale and of String's grapheme rules.
    private static func codePointOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
    }
}
