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

    /// A plain text table with a header row, columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        print(line(header))
        print(line(widths.map { String(repeating: "-", count: $0) }))
        rows.forEach { print(line($0)) }
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

    /// A message on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("gatehouse: " + TerminalText.sanitized(message) + "\n").utf8))
    }
}
