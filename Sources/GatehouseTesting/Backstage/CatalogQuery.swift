import Foundation

/// What `GET /entities/by-query` selects and in which order; a cursor carries it so later pages
/// ignore the request's own filter, as Backstage does.
struct CatalogQuery: Codable, Sendable, Hashable {
    /// Raw `filter` parameter values.
    var filter: [String] = []
    /// Raw `orderField` values (`field[,asc|desc]`).
    var orderField: [String] = []
    /// `fullTextFilterTerm`.
    var fullTextTerm: String?
    /// `fullTextFilterFields` (comma list).
    var fullTextFields: [String] = []

    var isUnfiltered: Bool { filter.isEmpty && orderField.isEmpty && (fullTextTerm ?? "").isEmpty }

    /// One sort key.
    struct Order: Hashable {
        var field: String
        var ascending: Bool
    }

    func orders() throws(SandboxHTTPError) -> [Order] {
        try orderField.map { (text) throws(SandboxHTTPError) -> Order in
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let field = parts.first, !field.isEmpty, parts.count <= 2 else {
                throw .badRequest("Invalid orderField '\(text)': use field[,asc|desc], e.g. metadata.name,asc.")
            }
            let direction = parts.count == 2 ? parts[1].lowercased() : "asc"
            guard direction == "asc" || direction == "desc" else {
                throw .badRequest("Invalid orderField '\(text)': the order must be asc or desc.")
            }
            return Order(field: field.lowercased(), ascending: direction == "asc")
        }
    }
}

/// The opaque `cursor` of a by-query page: the query plus where the page starts.
struct CatalogCursor: Codable, Sendable {
    var query: CatalogQuery
    var offset: Int

    /// Base64url text of the JSON form.
    var encoded: String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(query: CatalogQuery, offset: Int) {
        self.query = query
        self.offset = offset
    }

    /// Reads a cursor a previous page returned.
    init(decoding text: String) throws(SandboxHTTPError) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let cursor = try? JSONDecoder().decode(CatalogCursor.self, from: data), cursor.offset >= 0
        else {
            throw .badRequest("Malformed cursor: pass back the nextCursor or prevCursor of a previous page unchanged.")
        }
        self = cursor
    }
}
