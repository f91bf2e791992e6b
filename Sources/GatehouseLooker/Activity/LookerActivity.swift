import Foundation
import GatehouseCore
import GatehouseHTTP

/// Looker's own record of the queries it ran: System Activity's `history` explore (model
/// `system__activity`), read with `run_inline_query` as the service account (which needs
/// `see_system_activity`). The fields are those of Looker's History explore.
public struct LookerActivity: Sendable {
    /// The `history` fields read, in the order they are printed.
    public static let fields = [
        "history.id", "history.created_time", "history.source", "history.status", "query.id", "query.slug", "query.model", "query.view",
        "user.id", "user.name",
    ]

    private let service: LookerServiceSession

    /// Reads System Activity through `service`.
    public init(service: LookerServiceSession) { self.service = service }

    private struct InlineQuery: Encodable {
        var model = "system__activity"
        var view = "history"
        var fields: [String]
        var filters: [String: String]
        var sorts = ["history.id desc"]
        var limit: String
    }

    /// Looker's history rows of `queryIds` run by Looker user `userId` (any user when nil), newest first.
    public func history(queryIds: [String], userId: String?, limit: Int = 50) async throws(LookerError) -> [JSONValue] {
        guard !queryIds.isEmpty else { return [] }
        var filters = ["query.id": queryIds.joined(separator: ",")]
        if let userId { filters["user.id"] = userId }
        let body = InlineQuery(fields: Self.fields, filters: filters, limit: String(max(1, min(limit, 500))))
        return try await service.call([JSONValue].self) { api throws(HTTPError) in
            var request = try HTTPRequest.json(.POST, api + "/queries/run/json", upstream: LookerClient.upstream, body: body)
            // Reading history changes nothing.
            request.idempotent = true
            return request
        }
    }
}
