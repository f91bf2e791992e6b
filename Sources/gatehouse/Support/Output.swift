import Foundation
import GatehouseCore

/// Printing for people and for machines.
enum Output {
    /// Pretty JSON for `--json`.
    static func json(_ value: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        print(String(decoding: data, as: UTF8.self))
    }

    /// One compact JSON document per line (`audit export`).
    static func jsonLine(_ value: JSONValue) {
        var bytes = JSONWriter.bytes(value, sortedKeys: true)
        bytes.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// A plain text table with a header row, fitted to the terminal as gh does: columns that fit keep
    /// their width, the wider ones share what is left and their cells end in an ellipsis. Piped, whole.
    /// Columns in `whole` (by default the first: the ids people copy) are never cut while the others can give way.
    static func table(_ header: [String], _ rows: [[String]], whole: Set<Int> = [0], width: Int? = Terminal.width) {
        let natural = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        var widths = natural
        if let width {
            let available = width - 2 * (header.count - 1)
            let kept = whole.filter { $0 < natural.count }.map { natural[$0] }.reduce(0, +)
            let others = natural.indices.filter { !whole.contains($0) }
            // Whole columns stay whole only when the rest keep a few characters each.
            if available - kept >= 6 * others.count {
                let shares = fitted(others.map { natural[$0] }, into: available - kept)
                for (column, share) in zip(others, shares) { widths[column] = share }
            } else {
                widths = fitted(natural, into: available)
            }
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { Terminal.fit($0, $1).padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        print(line(header))
        print(line(widths.map { String(repeating: "-", count: $0) }))
        rows.forEach { print(line($0)) }
    }

    /// Column widths summing to at most `available`: narrow columns whole, the rest an equal share.
    static func fitted(_ natural: [Int], into available: Int) -> [Int] {
        guard natural.reduce(0, +) > available, !natural.isEmpty else { return natural }
        var widths = natural
        var open = Set(natural.indices)
        var left = max(available, natural.count)
        // Columns narrower than the fair share keep their width; repeat until the share settles.
        while true {
            let share = left / max(open.count, 1)
            let fits = open.filter { natural[$0] <= share }
            if fits.isEmpty { break }
            for column in fits { left -= natural[column] }
            open.subtract(fits)
        }
        let sorted = open.sorted()
        for (position, column) in sorted.enumerated() {
            let share = left / (sorted.count - position)
            widths[column] = max(share, 1)
            left -= widths[column]
        }
        return widths
    }

    /// Text for a JSON scalar in a table cell ("-" for null); upstream text (entity names, titles)
    /// loses any escape sequence on the way to the terminal.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let text)?: TerminalText.sanitized(text)
        case let other?: TerminalText.sanitized(other.canonicalString)
        }
    }

    /// On a terminal `component:default/x` reads as `x` (the common case); other kinds and namespaces,
    /// and every ref written to a pipe or file, stay whole.
    static func shortRef(_ ref: String, width: Int? = Terminal.width) -> String {
        guard width != nil, ref.hasPrefix("component:default/") else { return ref }
        return String(ref.dropFirst("component:default/".count))
    }

    /// On a terminal "in 14m" / "2h ago" for an RFC 3339 time (as gh does); piped, or when it does not parse, the time itself.
    static func relative(_ time: String?, width: Int? = Terminal.width) -> String {
        guard let time else { return "-" }
        guard width != nil else { return cell(.string(time)) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: time) ?? ISO8601DateFormatter().date(from: time) else { return cell(.string(time)) }
        let seconds = date.timeIntervalSinceNow
        return seconds >= 0 ? "in " + duration(seconds: seconds) : duration(seconds: -seconds) + " ago"
    }

    /// An object on one line as `path value` pairs with dotted paths in the API's own names
    /// (`job.pysparkJob.mainPythonFileUri gs://…`): what a job would run, exactly as it would be sent.
    static func flat(_ value: JSONValue, path: String = "") -> String {
        switch value {
        case .object(let members):
            members.sorted { $0.key < $1.key }.map { flat($0.value, path: path.isEmpty ? $0.key : path + "." + $0.key) }.joined(separator: ", ")
        case .array(let items):
            (path.isEmpty ? "" : path + " ") + "[" + items.map { flat($0) }.joined(separator: " ") + "]"
        default:
            (path.isEmpty ? "" : path + " ") + cell(value)
        }
    }

    /// One style for durations: `0.4s`, `45s`, `12m 5s`, `3h 20m`, `2d 4h`.
    static func duration(seconds: Double) -> String {
        if seconds > 0, seconds < 0.05 { return "<0.1s" }
        if seconds < 10, seconds.rounded() != seconds { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, secs) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        if minutes > 0 { return secs > 0 ? "\(minutes)m \(secs)s" : "\(minutes)m" }
        return "\(secs)s"
    }

    /// A duration given as seconds or as a Google Duration string ("86400s") in the one style; other text as is.
    static func duration(_ value: JSONValue?) -> String {
        if let seconds = value?.doubleValue { return duration(seconds: seconds) }
        if let text = value?.stringValue, text.hasSuffix("s"), let seconds = Double(text.dropLast()) { return duration(seconds: seconds) }
        return cell(value)
    }

    /// One style for sizes: `512 B`, `4.0 KiB`, `1.2 MiB`, `3.4 GiB`.
    static func size(bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: "%.1f", value) + " " + unit }
        }
        return "\(bytes) B"
    }

    /// Prose for people, word-wrapped to the terminal (whole when piped); `first` and `rest` prefix the lines.
    static func wrapped(_ text: String, first: String = "", rest: String = "  ", width: Int? = Terminal.width) {
        guard let width, first.count + text.count > width else { return print(first + text) }
        var line = first
        var fresh = true
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !fresh, line.count + 1 + word.count > width {
                print(Terminal.fit(line, width))
                line = rest
                fresh = true
            }
            line += (fresh ? "" : " ") + word
            fresh = false
        }
        print(Terminal.fit(line, width))
    }

    /// One line, cut to the terminal's width (whole when piped).
    static func line(_ text: String) {
        print(Terminal.fit(text, Terminal.width))
    }

    /// A message on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("gatehouse: " + TerminalText.sanitized(message) + "\n").utf8))
    }
}
