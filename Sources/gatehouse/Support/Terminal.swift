import Foundation

/// What the CLI's output goes to: a terminal's width and abilities, or unlimited plain text for pipes and files.
enum Terminal {
    /// Columns to fit human output into; nil when stdout is not a terminal (pipes get whole lines).
    static var width: Int? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// A person can answer a question: stdin and stderr (where the question goes) are both terminals.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }

    /// Live progress (redrawn with `\r`) goes to stderr only when it is a terminal that can redraw.
    static var liveProgress: Bool { isatty(STDERR_FILENO) == 1 && !isDumb }

    /// Unicode symbols (`…`, `→`, spinners) only when the locale is UTF-8 and the terminal is not dumb.
    static var unicode: Bool {
        let environment = ProcessInfo.processInfo.environment
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].lazy.compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let upper = locale.uppercased()
        return !isDumb && (upper.contains("UTF-8") || upper.contains("UTF8"))
    }

    /// Colour only on a terminal, without NO_COLOR (https://no-color.org), and not on TERM=dumb.
    static var color: Bool {
        isatty(STDOUT_FILENO) == 1 && !isDumb && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    private static var isDumb: Bool { ProcessInfo.processInfo.environment["TERM"] == "dumb" }

    /// `fancy` where Unicode is supported, else `plain`.
    static func symbol(_ fancy: String, _ plain: String) -> String { unicode ? fancy : plain }

    /// The mark of text that was cut.
    static var ellipsis: String { symbol("…", "~") }

    /// `text` wrapped in an SGR colour (e.g. "32" green) when colour is on.
    static func paint(_ text: String, _ sgr: String) -> String { color ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text }

    /// `text` cut to `width` characters, ending in an ellipsis when cut.
    static func fit(_ text: String, _ width: Int?) -> String {
        guard let width, text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + ellipsis
    }
}
