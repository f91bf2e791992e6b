import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseLooker
import GatehouseRPC
import GatehouseStore

/// The `dashboard.*` RPC methods.
struct DashboardMethods {
    let component: DashboardComponent

    private struct EntityParams: Decodable { var entity: String }
    private struct GetParams: Decodable { var entity: String; var id: String? }
    private struct EmbedParams: Decodable { var entity: String; var id: String }

    var all: [RPCMethod] {
        let component = component
        let entity: JSONValue = ["type": "string", "description": "entity ref, e.g. component:default/analytics-pipeline"]
        let id: JSONValue = ["type": "string", "description": "a dashboard id from the entity's looker.com/dashboard-ids"]
        return [
            RPCMethod("dashboard.list", summary: "The entity's Looker dashboards (looker.com/dashboard-ids) and what the local cache holds of each; never calls Looker.",
                params: CatalogMethods.schema(["entity": entity], required: ["entity"]),
                handler: .async { call in
                    let params: EntityParams = try call.decodeParams()
                    let (ref, ids, _) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let service = try component.dashboards()
                    let cached = try await service.cachedEntries()
                    var titles: [String: String] = [:]
                    for dashboardID in ids where cached[dashboardID] != nil {
                        titles[dashboardID] = try? await service.cache.read(
                            DashboardCacheKey(lookerUser: service.client.lookerUser, dashboardID: dashboardID), now: Date())?.dashboard.title
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
            RPCMethod("dashboard.get", summary: "A dashboard's metadata and each tile's query rows, stale-while-revalidate: {stale, offline, fetchedAt}. `id` defaults to the entity's first dashboard.",
                params: CatalogMethods.schema(["entity": entity, "id": id], required: ["entity"]),
                handler: .async { call in
                    let params: GetParams = try call.decodeParams()
                    let (ref, ids, principal) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let dashboardID = try Self.choose(params.id, among: ids, entity: ref)
                    let service = try component.dashboards()
                    call.annotations.update {
                        $0.detail["dashboardId"] = .string(dashboardID)
                        $0.detail["lookerUser"] = .string(service.client.lookerUser)
                    }
                    let answer = try await service.dashboard(dashboardID, for: principal)
                    call.annotations.update { $0.detail["cache"] = .string(answer.offline ? "offline" : answer.source.rawValue) }
                    return try Self.json(answer, entity: ref)
                }),
            RPCMethod("dashboard.embedUrl", summary: "A signed single-use Looker SSO embed URL of the dashboard for the signed-in user (when looker.embed allows).",
                params: CatalogMethods.schema(["entity": entity, "id": id], required: ["entity", "id"]),
                handler: .async { call in
                    let params: EmbedParams = try call.decodeParams()
                    let (ref, ids, principal) = try await component.authorizedDashboardIDs(call, entity: params.entity)
                    let dashboardID = try Self.choose(params.id, among: ids, entity: ref)
                    guard component.embedEnabled else {
                        throw RPCError(.conflict, reason: "embed_disabled", message: "embed URLs are turned off (looker.embed: false); use dashboard.get instead")
                    }
                    let service = try component.dashboards()
                    call.annotations.update {
                        $0.detail["dashboardId"] = .string(dashboardID)
                        $0.detail["lookerUser"] = .string(service.client.lookerUser)
                    }
                    let url = try await service.embedURL(dashboardID, for: principal, sessionSeconds: component.embedSessionSeconds)
                    // The URL logs its holder in to Looker: it goes to the caller, never to the audit detail.
                    return [
                        "entity": .string(ref.description), "id": .string(dashboardID), "url": .string(url),
                        "sessionSeconds": .int(Int64(component.embedSessionSeconds)), "lookerUser": .string(service.client.lookerUser),
                    ]
                }),
        ]
    }

    /// The requested id if the entity names it, else the entity's first dashboard.
    static func choose(_ requested: String?, among ids: [String], entity: EntityRef) throws(RPCError) -> String {
        guard let first = ids.first else {
            throw RPCError(.notFound, reason: "no_dashboards", message: "\(entity) has no \(DashboardComponent.annotation) annotation, so it has no dashboards")
        }
        guard let requested else { return first }
        // Policy was asked about this entity: only its own dashboards may be read through it.
        guard ids.contains(requested) else {
            throw RPCError(.notFound, reason: "dashboard_not_linked", message: "dashboard \(requested) is not linked to \(entity); its dashboards are \(ids.joined(separator: ", "))",
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
