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
    static func table(_ header: [String], _ rows: [[String]], width: Int? = Terminal.width) {
        let natural = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let widths = width.map { fitted(natural, into: $0 - 2 * (header.count - 1)) } ?? natural
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

    /// One style for durations: `45s`, `12m 5s`, `3h 20m`, `2d 4h`.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (days, hours, minutes, secs) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        if minutes > 0 { return secs > 0 ? "\(minutes)m \(secs)s" : "\(minutes)m" }
        return "\(secs)s"
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

    /// A message on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("gatehouse: " + TerminalText.sanitized(message) + "\n").utf8))
    }
}
