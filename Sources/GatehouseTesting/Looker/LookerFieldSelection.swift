import Foundation
import GatehouseCore

/// Looker's `fields` partial-response syntax: a comma list whose names may carry a nested
/// selection in parentheses, e.g. `id,title,dashboard_elements(id,query_id,query(model,view))`.
/// A nested selection applies to an object member, or to each element of an array member.
struct LookerFieldSelection: Sendable, Equatable {
    /// Selected member names, each with its own nested selection (nil: the whole member).
    var members: [String: LookerFieldSelection?]

    /// Parses `text`; unbalanced parentheses or an empty name are a 400, as Looker answers.
    init(parsing text: String) throws(SandboxHTTPError) {
        var index = text.startIndex
        self = try Self.parseList(text, &index, depth: 0)
        guard index == text.endIndex else { throw .badRequest("fields: unexpected ')' in '\(text)'.") }
    }

    private init(members: [String: LookerFieldSelection?]) { self.members = members }

    private static func parseList(_ text: String, _ index: inout String.Index, depth: Int) throws(SandboxHTTPError) -> LookerFieldSelection {
        guard depth < 16 else { throw .badRequest("fields: nested more than 16 levels deep.") }
        var members: [String: LookerFieldSelection?] = [:]
        var name = ""
        func finish() throws(SandboxHTTPError) {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, members[trimmed] == nil { members[trimmed] = .some(nil) }
            name = ""
        }
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case ",":
                try finish()
                index = text.index(after: index)
            case "(":
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { throw .badRequest("fields: '(' must follow a field name in '\(text)'.") }
                index = text.index(after: index)
                let nested = try parseList(text, &index, depth: depth + 1)
                guard index < text.endIndex, text[index] == ")" else { throw .badRequest("fields: missing ')' in '\(text)'.") }
                index = text.index(after: index)
                members[trimmed] = nested
                name = ""
            case ")":
                guard depth > 0 else { throw .badRequest("fields: unexpected ')' in '\(text)'.") }
                try finish()
                return LookerFieldSelection(members: members)
            default:
                name.append(character)
                index = text.index(after: index)
            }
        }
        try finish()
        return LookerFieldSelection(members: members)
    }

    /// `value` cut down to the selected members (arrays: each element).
    func project(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(project))
        case .object(let object):
            var result: [String: JSONValue] = [:]
            for (name, nested) in members {
                guard let member = object[name] else { continue }
                result[name] = nested.map { $0.project(member) } ?? member
            }
            return .object(result)
        default: return value
        }
    }
}

extension JSONValue {
    /// The value cut down to the request's `fields` selection, when it has one.
    func projected(by fields: String?) throws(SandboxHTTPError) -> JSONValue {
        guard let fields, !fields.trimmingCharacters(in: .whitespaces).isEmpty else { return self }
        return try LookerFieldSelection(parsing: fields).project(self)
    }
}
