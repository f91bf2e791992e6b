import Foundation
import GatehouseCore

/// Draws a dashboard tile in a terminal by its Looker visualization type (`query.vis_config.type`),
/// fitted to `width` columns: bar and column charts as horizontal Unicode bars, line and area as a
/// sparkline with its range, single values large, everything else as a table with cut cells.
/// Every line it returns is at most `width` characters, each one terminal column wide.
public enum TileChart {
    /// How a tile is drawn.
    public enum Style: Equatable, Sendable {
        case bars, sparkline, singleValue, table

        /// The style for a Looker visualization type.
        public init(visualization: String?) {
            switch visualization ?? "" {
            case "looker_bar", "looker_column": self = .bars
            case "looker_line", "looker_area", "looker_scatter": self = .sparkline
            case "single_value": self = .singleValue
            default: self = .table
            }
        }
    }

    /// The tile's lines (no title) for `width` columns (at least 20).
    public static func render(visualization: String?, fields: [String], rows: [JSONValue], width: Int) -> [String] {
        let width = max(20, width)
        guard !rows.isEmpty else { return ["(no rows)"] }
        let numeric = fields.first { field in
            rows.contains { number($0[field]) != nil } && rows.allSatisfy { $0[field] == nil || $0[field] == .null || number($0[field]) != nil }
        }
        let label = fields.last { $0 != numeric && !isTeamLike($0, rows) } ?? fields.first { $0 != numeric }
        switch Style(visualization: visualization) {
        case .bars where numeric != nil:
            return bars(rows: rows, label: label, value: numeric ?? "", width: width)
        case .sparkline where numeric != nil:
            return sparkline(rows.compactMap { number($0[numeric ?? ""]) }, field: numeric ?? "", width: width)
        case .singleValue where numeric != nil:
            return single(rows[0][numeric ?? ""] ?? .null, field: numeric ?? "", width: width)
        default:
            return table(fields: fields, rows: rows, width: width)
        }
    }

    // A label column whose values repeat (a grouping such as a team) says less than one that names each row.
    private static func isTeamLike(_ field: String, _ rows: [JSONValue]) -> Bool {
        Set(rows.map { text($0[field]) }).count < rows.count
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        case .string(let text)?: Double(text)
        default: nil
        }
    }

    static func text(_ value: JSONValue?) -> String {
        guard let value, value != .null else { return "" }
        // Cell text comes from Looker: no escape sequence in it reaches the terminal.
        return TerminalText.sanitized(value.stringValue ?? value.canonicalString)
    }

    /// `text` cut to `width` characters, ending in `…` when cut.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        let cut = fit(text, width)
        return cut + String(repeating: " ", count: max(0, width - cut.count))
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(format: "%.2f", number)
    }

    // MARK: bars

    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    private static func bars(rows: [JSONValue], label: String?, value: String, width: Int) -> [String] {
        let items = rows.map { row in (label.map { text(row[$0]) } ?? "", number(row[value]) ?? 0) }
        let values = items.map { format($0.1) }
        let valueWidth = values.map(\.count).max() ?? 1
        let labelWidth = min(items.map(\.0.count).max() ?? 0, width / 3)
        let barWidth = max(1, width - labelWidth - valueWidth - 2)
        let largest = max(items.map { abs($0.1) }.max() ?? 0, 1e-9)
        var lines = items.enumerated().map { index, item in
            let eighthsLong = Int((abs(item.1) / largest * Double(barWidth * 8)).rounded())
            var bar = String(repeating: "█", count: eighthsLong / 8)
            if eighthsLong % 8 > 0 { bar.append(eighths[eighthsLong % 8 - 1]) }
            return pad(item.0, labelWidth) + " " + pad(bar, barWidth) + " " + String(repeating: " ", count: valueWidth - values[index].count)
                + values[index]
        }
        lines.append(fit("(\(value), largest \(format(largest)))", width))
        return lines
    }

    // MARK: sparkline

    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    private static func sparkline(_ values: [Double], field: String, width: Int) -> [String] {
        guard let low = values.min(), let high = values.max(), let last = values.last else { return ["(no values)"] }
        // More points than columns: each column shows the mean of its share of the points.
        let columns = min(values.count, width)
        let points: [Double] = (0..<columns).map { column in
            let start = column * values.count / columns
            let end = max(start + 1, (column + 1) * values.count / columns)
            let slice = values[start..<end]
            return slice.reduce(0, +) / Double(slice.count)
        }
        let span = high - low
        let line = String(points.map { point in levels[span == 0 ? 3 : min(7, Int((point - low) / span * 7 + 0.5))] })
        return [line, fit("\(field): min \(format(low)) · max \(format(high)) · last \(format(last)) · \(values.count) points", width)]
    }

    // MARK: single value

    /// A 3-line block font for digits and a few signs.
    private static let font: [Character: [String]] = [
        "0": ["█▀█", "█ █", "▀▀▀"], "1": ["▄█ ", " █ ", "▀▀▀"], "2": ["▀▀█", "█▀▀", "▀▀▀"], "3": ["▀▀█", " ▀█", "▀▀▀"],
        "4": ["█ █", "▀▀█", "  ▀"], "5": ["█▀▀", "▀▀█", "▀▀▀"], "6": ["█▀▀", "█▀█", "▀▀▀"], "7": ["▀▀█", "  █", "  ▀"],
        "8": ["█▀█", "█▀█", "▀▀▀"], "9": ["█▀█", "▀▀█", "▀▀▀"], ".": ["   ", "   ", " ▀ "], "-": ["   ", "▀▀▀", "   "],
        ",": ["   ", "   ", " ▄ "], "%": ["▀ █", " █ ", "█ ▄"],
    ]

    private static func single(_ value: JSONValue, field: String, width: Int) -> [String] {
        let shown = number(value).map(format) ?? text(value)
        let big = shown.allSatisfy { font[$0] != nil }
        let bigWidth = shown.count * 4 - 1
        guard big, bigWidth <= width else { return [fit(shown, width), fit(field, width)] }
        let lines = (0..<3).map { row in shown.map { font[$0]?[row] ?? "   " }.joined(separator: " ") }
        return lines + [fit("\(field) = \(shown)", width)]
    }

    // MARK: table

    private static func table(fields: [String], rows: [JSONValue], width: Int) -> [String] {
        guard !fields.isEmpty else { return ["(no fields)"] }
        var widths = fields.map { field in max(field.count, rows.map { text($0[field]).count }.max() ?? 0) }
        // Shrink the widest column until the row fits (two spaces between columns; each column keeps 3).
        while widths.reduce(0, +) + 2 * (widths.count - 1) > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }),
            widths[widest] > 3
        {
            widths[widest] -= 1
        }
        func line(_ cells: [String]) -> String {
            fit(
                zip(cells, widths).map { pad($0, $1) }.joined(separator: "  ").replacingOccurrences(
                    of: "\\s+$", with: "", options: .regularExpression), width)
        }
        return [line(fields), line(widths.map { String(repeating: "-", count: $0) })] + rows.map { row in line(fields.map { text(row[$0]) }) }
    }
}
