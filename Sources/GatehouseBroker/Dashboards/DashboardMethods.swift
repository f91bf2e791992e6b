import Foundation
import GatehouseAudit
import GatehouseCatalog
import GatehouseCore
import GatehouseLooker
import GatehouseRPC
import GatehouseStore

/// The `dashboard.*` RPC methods.
struct DashboardMethods {
    let component: DashboardComponent

    private struct EntityParams: Decodable { var entity: String }
    private struct GetParams: Decodable {
        var entity: String
        var id: String?
    }
    private struct EmbedParams: Decodable {
        var entity: String
        var id: String
    }

    var all: [RPCMethod] {
        let component = component
        let entity: JSONValue = ["type": "string", "description": "entity ref, e.g. component:default/analytics-pipeline"]
        let id: JSONValue = ["type": "string", "description": "a dashboard id from the entity's looker.com/dashboard-ids"]
        return [
            RPCMethod(
                "dashboard.list",
                summary: "The entity's Looker dashboards (looker.com/dashboard-ids) and what the local cache holds of each; never calls Looker.",
                params: CatalogMethods.schema(["entity": entity], required: ["entity"]),
                handler: .async { call in
                    let params: EntityParams = try call.decodeParams()
                    let (ref, ids, principal) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let service = try component.dashboards()
                    let cached = try await service.cachedEntries(for: principal)
                    var titles: [String: String] = [:]
                    for dashboardID in ids where cached[dashboardID] != nil {
                        titles[dashboardID] = try? await service.cache.read(
                            DashboardCacheKey(lookerUser: service.client.lookerUser(for: principal), dashboardID: dashboardID), now: Date())?
                            .dashboard.title
                    }
                    let rows: [JSONValue] = ids.map { dashboardID in
                        [
                            "id": .string(dashboardID), "title": titles[dashboardID].map(JSONValue.string) ?? .null,
                            "cached": .bool(cached[dashboardID] != nil),
                            "fetchedAt": cached[dashboardID].map { .string(Timestamp.string($0.fetchedAt)) } ?? .null,
                        ]
                    }
                    return ["entity": .string(ref.description), "dashboards": .array(rows), "offline": .bool(service.isOffline)]
                }),
            RPCMethod(
                "dashboard.get",
                summary:
                    "A dashboard's metadata and each tile's query rows, stale-while-revalidate: {stale, offline, fetchedAt}. `id` defaults to the entity's first dashboard.",
                params: CatalogMethods.schema(["entity": entity, "id": id], required: ["entity"]),
                handler: .async { call in
                    let params: GetParams = try call.decodeParams()
                    let (ref, ids, principal) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let dashboardID = try Self.choose(params.id, among: ids, entity: ref)
                    let service = try component.dashboards()
                    call.annotations.update {
                        $0.detail["dashboardId"] = .string(dashboardID)
                        $0.detail["lookerUser"] = .string(service.client.lookerUser(for: principal))
                    }
                    let answer = try await service.dashboard(dashboardID, for: principal)
                    let queryIds = answer.dashboard.tiles.compactMap(\.queryID)
                    let lookerUserId = service.people?.lookerUserId(for: principal)
                    // What Looker ran just now, by its history ids (best effort: the answer does not wait on a failure).
                    var historyIds: [JSONValue] = []
                    if answer.source == .fetched, let activity = component.activity,
                        let rows = try? await activity.history(queryIds: queryIds, userId: lookerUserId, limit: queryIds.count)
                    {
                        historyIds = rows.compactMap { $0["history.id"] }
                    }
                    call.annotations.update {
                        $0.detail["cache"] = .string(answer.offline ? "offline" : answer.source.rawValue)
                        // Looker's own ids for what ran, so `audit show` can find Looker's record of it.
                        $0.detail["lookerQueryIds"] = .array(queryIds.map(JSONValue.string))
                        if let lookerUserId { $0.detail["lookerUserId"] = .string(lookerUserId) }
                        if !historyIds.isEmpty { $0.detail["lookerHistoryIds"] = .array(historyIds) }
                    }
                    return try Self.json(answer, entity: ref)
                }),
            RPCMethod(
                "dashboard.embedUrl",
                summary: "A signed single-use Looker SSO embed URL of the dashboard for the signed-in user (when looker.embed allows).",
                params: CatalogMethods.schema(["entity": entity, "id": id], required: ["entity", "id"]),
                handler: .async { call in
                    let params: EmbedParams = try call.decodeParams()
                    let (ref, ids, principal) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let dashboardID = try Self.choose(params.id, among: ids, entity: ref)
                    guard component.embedEnabled else {
                        throw RPCError(
                            .conflict, reason: "embed_disabled", message: "embed URLs are turned off (looker.embed: false); use dashboard.get instead"
                        )
                    }
                    let service = try component.dashboards()
                    call.annotations.update {
                        $0.detail["dashboardId"] = .string(dashboardID)
                        $0.detail["lookerUser"] = .string(service.client.lookerUser(for: principal))
                    }
                    let url = try await service.embedURL(dashboardID, for: principal, sessionSeconds: component.embedSessionSeconds)
                    // The URL logs its holder in to Looker: it goes to the caller, never to the audit detail.
                    return [
                        "entity": .string(ref.description), "id": .string(dashboardID), "url": .string(url),
                        "sessionSeconds": .int(Int64(component.embedSessionSeconds)),
                        "lookerUser": .string(service.client.lookerUser(for: principal)),
                    ]
                }),
            RPCMethod(
                "dashboard.lookerHistory",
                summary: "Looker's own record (System Activity history) of the queries an audited dashboard fetch ran, for `audit show`.",
                params: CatalogMethods.schema(
                    ["seq": ["type": "integer", "minimum": 1, "description": "the audit record's seq"]], required: ["seq"]),
                handler: .async { call in
                    let params: HistoryParams = try call.decodeParams()
                    let record = try await component.auditRecord(seq: params.seq)
                    guard let activity = component.activity else {
                        throw RPCError(.conflict, reason: "looker_not_configured", message: "set looker.base_url to read Looker's history")
                    }
                    let detail = record["detail"] ?? .null
                    let queryIds = (detail["lookerQueryIds"]?.arrayValue ?? []).compactMap(\.stringValue)
                    guard !queryIds.isEmpty else {
                        throw RPCError(
                            .notFound, reason: "no_looker_queries",
                            message: "audit record \(params.seq) names no Looker queries (only dashboard fetches do)")
                    }
                    let rows = try await activity.history(queryIds: queryIds, userId: detail["lookerUserId"]?.stringValue)
                    let recorded = Set((detail["lookerHistoryIds"]?.arrayValue ?? []).map(\.canonicalString))
                    let marked: [JSONValue] = rows.map { row in
                        var members = row.objectValue ?? [:]
                        members["matchesRecord"] = .bool(recorded.contains(row["history.id"]?.canonicalString ?? "-"))
                        return .object(members)
                    }
                    return ["record": record, "looker": .array(marked), "fields": .array(LookerActivity.fields.map(JSONValue.string))]
                }),
        ]
    }

    private struct HistoryParams: Decodable { var seq: Int64 }

    /// The requested id if the entity names it, else the entity's first dashboard.
    static func choose(_ requested: String?, among ids: [String], entity: EntityRef) throws(RPCError) -> String {
        guard let first = ids.first else {
            throw RPCError(
                .notFound, reason: "no_dashboards", message: "\(entity) has no \(DashboardComponent.annotation) annotation, so it has no dashboards")
        }
        guard let requested else { return first }
        // Policy was asked about this entity: only its own dashboards may be read through it.
        guard ids.contains(requested) else {
            throw RPCError(
                .notFound, reason: "dashboard_not_linked",
                message: "dashboard \(requested) is not linked to \(entity); its dashboards are \(ids.joined(separator: ", "))",
                extra: ["dashboards": .array(ids.map(JSONValue.string))])
        }
        return requested
    }

    static func json(_ answer: DashboardAnswer, entity: EntityRef) throws -> JSONValue {
        var members = answer.json.objectValue ?? [:]
        members["entity"] = .string(entity.description)
        members["fetchedAt"] = .string(Timestamp.string(answer.fetchedAt))
        members["stale"] = .bool(answer.stale)
        members["offline"] = .bool(answer.offline)
        members["source"] = .string(answer.source.rawValue)
        members["lookerUser"] = .string(answer.lookerUser)
        return .object(members)
    }
}
