/// Text from outside (an IdP's device URL, a user code, an upstream's error description) made
/// safe to print: escape sequences could otherwise move the cursor, rewrite what the person reads,
/// set the window title or, with an OSC 8 hyperlink, show one address and open another.
public enum TerminalText {
    /// `text` without escape sequences, control characters (C0, DEL, C1) or bidirectional
    /// overrides. A whole CSI/OSC/DCS sequence goes, not just its ESC, so no half of it is left to
    /// read as if it were the text.
    public static func sanitized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar.value {
            case 0x1B:
                skipSequence(after: scalar, in: &scalars)
            case 0x9B:  // C1 CSI: the 8-bit form of ESC [
                skipParameters(in: &scalars)
            case 0x9D, 0x90, 0x98, 0x9E, 0x9F:  // C1 OSC, DCS, SOS, PM, APC: run to their terminator
                skipString(in: &scalars)
            case 0x00...0x1F, 0x7F...0x9F:
                continue
            case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                continue
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// True when `text` had anything `sanitized` removes.
    public static func needsSanitizing(_ text: String) -> Bool { sanitized(text) != text }

    private static func skipSequence(after escape: Unicode.Scalar, in scalars: inout String.UnicodeScalarView.Iterator) {
        guard let kind = scalars.next() else { return }
        switch kind {
        case "[": skipParameters(in: &scalars)
        case "]", "P", "X", "^", "_": skipString(in: &scalars)
        default: break  // a two-character sequence (ESC c, ESC 7, …): both are gone
        }
    }

    /// CSI parameters and intermediates up to and including the final byte (0x40…0x7E).
    private static func skipParameters(in scalars: inout String.UnicodeScalarView.Iterator) {
        while let next = scalars.next() {
            if (0x40...0x7E).contains(next.value) { return }
        }
    }

    /// An OSC/DCS string up to BEL, ESC \ or ST (0x9C).
    private static func skipString(in scalars: inout String.UnicodeScalarView.Iterator) {
        while let next = scalars.next() {
            switch next.value {
            case 0x07, 0x9C: return
            case 0x1B:
                _ = scalars.next()  // the backslash of ESC \
                return
            default: continue
            }
        }
    }
}
