import Foundation
import GatehouseCore
import Testing

@Suite("Byte appending")
struct ByteAppendingTests {
    @Test(arguments: [Int64.min, -1_000_000, -7, 0, 9, 10, 1_234_567_890, Int64.max])
    func decimalsMatchTheStandardLibrary(_ value: Int64) {
        var out: [UInt8] = [UInt8(ascii: "x")]
        out.appendDecimal(value)
        #expect(String(decoding: out, as: UTF8.self) == "x" + String(value))
    }

    @Test(arguments: ["", "ping", "é und ü – small", String(repeating: "a long native string ", count: 10)])
    func textIsAppendedAsItsUTF8(_ text: String) {
        var out: [UInt8] = [1]
        out.appendUTF8(text)
        out.appendLiteral("!")
        #expect(out == [1] + Array(text.utf8) + [UInt8(ascii: "!")])
    }

    @Test func aNULIsFoundWhereverItIs() {
        #expect(!"".containsNUL)
        #expect(!"system.ping".containsNUL)
        #expect("\u{0}".containsNUL)
        #expect("small\u{0}".containsNUL)
        #expect((String(repeating: "x", count: 100) + "\u{0}" + "y").containsNUL)
    }

    @Test func hexIsTwoLowerCaseDigitsPerByteAfterWhatIsThere() {
        var out: [UInt8] = [UInt8(ascii: ">")]
        out.appendHex([0x00, 0x09, 0x0A, 0x7F, 0xA5, 0xFF] as [UInt8])
        #expect(String(decoding: out, as: UTF8.self) == ">00090a7fa5ff")
        #expect(Data().hexString == "")
        #expect(Data((0...255).map(UInt8.init)).hexString == (0...255).map { String(format: "%02x", $0) }.joined())
    }

    @Test func aFingerprintIsTheSHA256PrefixInHex() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de…, the FIPS 180-2 test vector.
        #expect(Redaction.fingerprint("abc") == "sha256:ba7816bf8f01cfea")
    }
}
