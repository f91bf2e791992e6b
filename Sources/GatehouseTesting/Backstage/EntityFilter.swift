import Foundation

/// A parsed Backstage `filter` query: repeated `filter` parameters are alternatives (OR), the
/// comma-separated conditions inside one are all required (AND), values match case-insensitively,
/// a bare key means "has this key", and one key given twice in one filter matches either value.
struct EntityFilter: Sendable, Hashable {
    /// One alternative: key → accepted values (nil means the key only has to exist).
    typealias Alternative = [String: Set<String>?]

    let alternatives: [Alternative]

    var isEmpty: Bool { alternatives.isEmpty }

    /// Parses the raw `filter` parameter values.
    init(parameters: [String]) throws(SandboxHTTPError) {
        var alternatives: [Alternative] = []
        for parameter in parameters {
            var alternative: Alternative = [:]
            for condition in parameter.split(separator: ",", omittingEmptySubsequences: true) {
                let pair = condition.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
                guard !key.isEmpty else {
                    throw .badRequest("Invalid filter '\(parameter)': every condition needs a key, as in kind=component.")
                }
                if pair.count == 1 {
                    if alternative[key] == nil { alternative[key] = .some(nil) }
                } else {
                    let value = pair[1].trimmingCharacters(in: .whitespaces).lowercased()
                    var values = (alternative[key] ?? nil) ?? []
                    values.insert(value)
                    alternative[key] = .some(values)
                }
            }
            if !alternative.isEmpty { alternatives.append(alternative) }
        }
        self.alternatives = alternatives
    }

    /// True when the entity's search values satisfy any alternative.
    func matches(_ entity: CatalogEntity) -> Bool {
        if alternatives.isEmpty { return true }
        return alternatives.contains { alternative in
            alternative.allSatisfy { key, accepted in
                guard let values = entity.search[key] else { return false }
                guard let accepted else { return true }
                return values.contains { accepted.contains($0) }
            }
        }
    }
}
