import Foundation
import GatehouseCore
import Testing

@Suite("Values from outside: numbers and terminal text")
struct OutsideValuesTests {
    @Test func numbersBeyondRangeAreCheckedOrClampedNeverTrapped() {
        #expect(OutsideNumbers.checked(1e300, within: 0...86_400) == nil)
        #expect(OutsideNumbers.checked(.nan, within: 0...86_400) == nil)
        #expect(OutsideNumbers.checked(60, within: 0...86_400) == 60)
        #expect(OutsideNumbers.clamped(1e30, to: 1...60) == 60)
        #expect(OutsideNumbers.clamped(-.infinity, to: 1...60) == nil)
        #expect(OutsideNumbers.unixSeconds(Date(timeIntervalSince1970: 1e19)) == 253_402_300_799)
        #expect(OutsideNumbers.unixSeconds(Date(timeIntervalSince1970: 1_700_000_000.9)) == 1_700_000_000)
        #expect(OutsideNumbers.milliseconds(1e300, clampedTo: 0...3600) == 3_600_000)
    }

    @Test func escapeSequencesGoWholeAndPlainTextStays() {
        let osc8 = "\u{1B}]8;;https://evil.example\u{07}click\u{1B}]8;;\u{1B}\\"
        #expect(TerminalText.sanitized(osc8) == "click")
        #expect(TerminalText.sanitized("\u{1B}[2J\u{1B}[31mred\u{1B}[0m") == "red")
        #expect(TerminalText.sanitized("a\u{9B}31mb\u{9D}title\u{9C}c") == "abc")  // 8-bit CSI and OSC
        #expect(TerminalText.sanitized("line\r\nbreak\u{08}\u{7F}") == "linebreak")
        #expect(TerminalText.sanitized("admin\u{202E}gnp.exe") == "admingnp.exe")
        #expect(TerminalText.sanitized("https://idp.example/device?code=WDJB-MJHT ü") == "https://idp.example/device?code=WDJB-MJHT ü")
        #expect(TerminalText.sanitized("\u{1B}") == "")  // a lone ESC at the end
        #expect(!TerminalText.needsSanitizing("plain") && TerminalText.needsSanitizing("\u{07}"))
    }
}
