import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// A filter over the audit log; every field narrows the result. Works on a live or read-only database.
public struct AuditQuery: Sendable, Codable, Equatable {
    /// Oldest first (`asc`) or newest first (`desc`).
    public enum Order: String, Sendable, Codable { case asc, desc }

    public var since: String?
    public var until: String?
    public var principal: String?
    public var method: String?
    public var entity: String?
    public var outcome: AuditOutcome?
    public var decision: AuditDecision?
    public var peerUID: Int64?
    public var limit: Int?
    /// Continue after this sequence number (the `nextCursor` of the previous page).
    public var cursor: Int64?
    public var order: Order?

    /// The largest page a query returns.
    public static let maxLimit = 1000

    /// An empty query: the first page of everything.
    public init() {}

    /// Runs the query and returns one page.
    public func run(_ db: Database) throws(AuditQueryError) -> AuditPage {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        func add(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(sql)
            arguments.append(value)
        }
        if let since { add("at >= ?", try Self.normalized(time: since, field: "since")) }
        if let until { add("at <= ?", try Self.normalized(time: until, field: "until")) }
        add("principal = ?", principal)
        add("method = ?", method)
        add("entity = ?", entity)
        add("outcome = ?", outcome?.rawValue)
        add("decision = ?", decision?.rawValue)
        add("peer_uid = ?", peerUID)
        let descending = order == .desc
        add(descending ? "seq < ?" : "seq > ?", cursor)
        let pageSize = Swift.min(Swift.max(limit ?? 100, 1), Self.maxLimit)
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM audit_log \(whereClause) ORDER BY seq \(descending ? "DESC" : "ASC") LIMIT \(pageSize + 1)"
        do {
            var records = try AuditRecord.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            let more = records.count > pageSize
            if more { records.removeLast() }
            return AuditPage(records: records, nextCursor: more ? records.last?.seq : nil)
        } catch {
            throw .database("\(error)")
        }
    }

    /// Accepts RFC 3339 times and relative ones (`15m`, `2h`, `7d` ago) and returns the stored form.
    static func normalized(time text: String, field: String) throws(AuditQueryError) -> String {
        if let date = Timestamp.parse(text) { return Timestamp.string(date) }
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            let seconds: Double? =
                switch unit {
                case "s": amount
                case "m": amount * 60
                case "h": amount * 3600
                case "d": amount * 86_400
                default: nil
                }
            if let seconds { return Timestamp.string(Date().addingTimeInterval(-seconds)) }
        }
        throw .badTime(field: field, value: text)
    }
}

/// One page of audit records.
public struct AuditPage: Sendable {
    public var records: [AuditRecord]
    /// Pass as `cursor` to get the next page; nil on the last page.
    public var nextCursor: Int64?

    /// The page as JSON: `{records: [...], nextCursor}`.
    public var json: JSONValue {
        .object(["records": .array(records.map(\.json)), "nextCursor": nextCursor.map(JSONValue.int) ?? .null])
    }
}

/// Why an audit query could not run.
public enum AuditQueryError: Error, CustomStringConvertible, Sendable {
    case badTime(field: String, value: String)
    case database(String)

    public var description: String {
        switch self {
        case .badTime(let field, let value):
            "\(field): \"\(value)\" is not a time; use RFC 3339 (2026-11-23T09:00:00Z) or an age like 15m, 2h, 7d"
        case .database(let detail): "audit query failed: \(detail)"
        }
    }
}
