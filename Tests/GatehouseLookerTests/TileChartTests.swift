import GatehouseCore
import GatehouseLooker
import Testing

/// `dashboard show` in a terminal: every visualization type fitted to the width.
@Suite("Tile charts in the terminal")
struct TileChartTests {
    static let rows: [JSONValue] = (1...12).map { n in
        [
            "kpis.team": .string(n % 2 == 0 ? "team-b" : "team-a"),
            "kpis.name": .string("a rather long metric name number \(n) that will not fit in eighty columns at all"),
            "kpis.count": .int(Int64(n * 7919 % 1000)),
        ]
    }
    static let fields = ["kpis.team", "kpis.name", "kpis.count"]
    static let types: [String?] = ["looker_bar", "looker_column", "looker_line", "looker_area", "single_value", "looker_grid", "table", nil]

    @Test(arguments: [80, 40, 120])
    func noLineIsWiderThanTheTerminal(width: Int) {
        for type in Self.types {
            let lines = TileChart.render(visualization: type, fields: Self.fields, rows: Self.rows, width: width)
            #expect(!lines.isEmpty)
            for line in lines { #expect(line.count <= width, "\(type ?? "nil") at \(width): \(line)") }
        }
        let big = TileChart.render(visualization: "single_value", fields: ["x.total"], rows: [["x.total": .int(123_456_789_012_345)]], width: width)
        for line in big { #expect(line.count <= width) }
    }

    @Test func eachTypeIsDrawnItsOwnWay() {
        let bars = TileChart.render(visualization: "looker_bar", fields: Self.fields, rows: Self.rows, width: 80)
        #expect(bars.count == Self.rows.count + 1 && bars.contains { $0.contains("█") })
        // The largest value gets the full bar; the numbers stay readable at the end of each line.
        let largest = Self.rows.compactMap { $0["kpis.count"]?.intValue }.max() ?? 0
        #expect(bars.contains { $0.hasSuffix(" \(largest)") && $0.filter { $0 == "█" }.count >= 40 })

        let spark = TileChart.render(visualization: "looker_line", fields: Self.fields, rows: Self.rows, width: 80)
        #expect(spark.count == 2 && spark[0].count == Self.rows.count && spark[0].allSatisfy { "▁▂▃▄▅▆▇█".contains($0) })
        #expect(spark[1].contains("min") && spark[1].contains("max"))

        let single = TileChart.render(visualization: "single_value", fields: ["kpis.count"], rows: [["kpis.count": 42]], width: 80)
        #expect(single.count == 4 && single.last == "kpis.count = 42")

        let table = TileChart.render(visualization: "looker_grid", fields: Self.fields, rows: Self.rows, width: 80)
        #expect(table[0].hasPrefix("kpis.team") && table.count == Self.rows.count + 2)
        #expect(table.dropFirst(2).allSatisfy { $0.contains("…") }, "long names are cut, not wrapped")
    }

    @Test func escapeSequencesFromLookerDoNotReachTheTerminal() {
        let rows: [JSONValue] = [["a.name": "\u{1B}]0;owned\u{07}evil", "a.count": 3]]
        let lines = TileChart.render(visualization: "looker_bar", fields: ["a.name", "a.count"], rows: rows, width: 80)
        #expect(!lines.joined().contains("\u{1B}"))
    }
}
