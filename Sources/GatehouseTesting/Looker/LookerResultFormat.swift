import Foundation
import GatehouseCore
import Hummingbird

/// Renders query results in each `result_format` the Looker spec lists for `run_query` and
/// `run_inline_query`: json, json_bi, json_detail, csv, txt, html, md, xlsx, sql, png, jpg.
enum LookerResultFormat {
    /// Every format the spec lists.
    static let all = ["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "xlsx", "sql", "png", "jpg"]

    /// What ran: the query's identity and the rows after access filters.
    struct Result {
        var queryId: String
        var model: String
        var view: String
        var fields: [String]
        var rows: [[String: JSONValue]]
        var sql: String
    }

    static func response(_ format: String, _ result: Result) throws(SandboxHTTPError) -> Response {
        let fields = result.fields
        let rows = result.rows
        func text(_ value: JSONValue?) -> String {
            guard let value else { return "" }
            return value.stringValue ?? (value == .null ? "" : value.canonicalString)
        }
        switch format {
        case "json":
            return JSONResponse.make(.array(rows.map { row in .object(row.filter { fields.contains($0.key) }) }))
        case "json_bi":
            return JSONResponse.make([
                "metadata": ["fields": ["dimensions": .array(fields.map { ["name": .string($0)] }), "measures": [], "pivots": []]],
                "rows": .array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, ["value": row[$0] ?? .null]) })) }),
            ])
        case "json_detail":
            return JSONResponse.make([
                "id": .string(result.queryId), "from_cache": false, "has_totals": false, "null_sort_treatment": "low",
                "fields": ["dimensions": .array(fields.map { ["name": .string($0), "label": .string($0)] }), "measures": []],
                "data": .array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, ["value": row[$0] ?? .null]) })) }),
                "sql": .string(result.sql),
            ])
        case "csv", "txt":
            let separator = format == "csv" ? "," : "\t"
            let lines = [fields.joined(separator: separator)] + rows.map { row in fields.map { text(row[$0]) }.joined(separator: separator) }
            return JSONResponse.text(lines.joined(separator: "\n") + "\n", contentType: format == "csv" ? "text/csv" : "text/plain")
        case "md":
            let lines =
                ["| " + fields.joined(separator: " | ") + " |", "|" + fields.map { _ in " --- |" }.joined()]
                + rows.map { row in "| " + fields.map { text(row[$0]) }.joined(separator: " | ") + " |" }
            return JSONResponse.text(lines.joined(separator: "\n") + "\n", contentType: "text/markdown")
        case "html":
            func escaped(_ text: String) -> String {
                text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
                    of: ">", with: "&gt;")
            }
            let head = "<tr>" + fields.map { "<th>\(escaped($0))</th>" }.joined() + "</tr>"
            let body = rows.map { row in "<tr>" + fields.map { "<td>\(escaped(text(row[$0])))</td>" }.joined() + "</tr>" }.joined()
            return JSONResponse.text("<table><thead>\(head)</thead><tbody>\(body)</tbody></table>\n", contentType: "text/html")
        case "sql":
            return JSONResponse.text(result.sql + "\n", contentType: "text/plain")
        case "xlsx":
            // Not a workbook: a binary stand-in with the workbook's type and ZIP magic, enough for clients that only pass the bytes on.
            return binary(Data("PK\u{3}\u{4}sandbox-xlsx".utf8), contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        case "png":
            return binary(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), contentType: "image/png")
        case "jpg":
            return binary(Data([0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xD9]), contentType: "image/jpeg")
        default:
            throw .badRequest("Unknown result_format '\(format)'; use one of \(all.joined(separator: ", ")).")
        }
    }

    private static func binary(_ data: Data, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The SQL Looker would generate, for the `sql` format and `json_detail`.
    static func sql(model: String, view: String, fields: [String], filters: [String: String], limit: Int) -> String {
        let columns = fields.map { "\($0.replacingOccurrences(of: ".", with: "_")) AS \"\($0)\"" }.joined(separator: ",\n    ")
        let conditions = filters.sorted { $0.key < $1.key }.map { "(\($0.key.replacingOccurrences(of: ".", with: "_"))) = '\($0.value)'" }
        let whereClause = conditions.isEmpty ? "" : "\nWHERE " + conditions.joined(separator: " AND ")
        return "-- model \(model)\nSELECT\n    \(columns)\nFROM \(view)\(whereClause)\nLIMIT \(limit)"
    }
}
