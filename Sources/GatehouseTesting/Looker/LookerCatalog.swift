import Foundation
import GatehouseCore

/// The Looker content the sandbox serves: folders, dashboards (ids 12, 34, 56, 78, 90, matching
/// the demo org's `looker.com/dashboard-ids`), their queries, the rows of each view and the
/// access filters on them. Who may see which folder is `LookerDirectory`'s.
struct LookerCatalog: Sendable {
    struct Folder: Sendable {
        var id: String
        var name: String
    }

    struct Dashboard: Sendable {
        var id: String
        var title: String
        var folderId: String
        var model: String
        var view: String
    }

    var folders: [String: Folder]
    var dashboards: [String: Dashboard]

    /// LookML access filters of the sandbox's views: `view` rows are kept only where `field`'s
    /// value is in the user's `attribute` (a comma list; `%` matches every value).
    static let accessFilters: [String: (field: String, attribute: String)] = ["kpis": ("kpis.team", "gatehouse_teams")]
    /// The teams of the shared KPI view's rows.
    static let kpiTeams = ["team-a", "team-b"]

    /// The seed content.
    static func seed() -> LookerCatalog {
        let folders = [
            Folder(id: "1", name: "Shared"), Folder(id: "10", name: "Team A"), Folder(id: "20", name: "Team B"),
            Folder(id: "30", name: "Finance"),
        ]
        let dashboards = [
            Dashboard(id: "12", title: "Artist engagement", folderId: "10", model: "analytics", view: "artists"),
            Dashboard(id: "34", title: "Engagement reports", folderId: "10", model: "analytics", view: "engagement"),
            Dashboard(id: "56", title: "Billing extracts", folderId: "20", model: "billing", view: "invoices"),
            Dashboard(id: "78", title: "Finance P&L", folderId: "30", model: "finance", view: "ledger"),
            Dashboard(id: "90", title: "Company KPIs", folderId: "1", model: "analytics", view: "kpis"),
        ]
        return LookerCatalog(
            folders: Dictionary(uniqueKeysWithValues: folders.map { ($0.id, $0) }),
            dashboards: Dictionary(uniqueKeysWithValues: dashboards.map { ($0.id, $0) }))
    }

    /// The model a view belongs to (nil: no such explore).
    func model(ofView view: String) -> String? { dashboards.values.first { $0.view == view }?.model }

    /// Fields every sandbox view has.
    static func fields(ofView view: String) -> [String] { ["\(view).name", "\(view).count", "\(view).team"] }

    /// The dashboard a query belongs to (query ids are dashboard id × 10 + element number).
    func dashboard(ofQuery queryId: String) -> Dashboard? {
        guard let number = Int(queryId), number % 10 >= 1, number % 10 <= 2 else { return nil }
        return dashboards[String(number / 10)]
    }

    /// The `Query` object of a query id.
    func query(_ queryId: String) -> JSONValue? {
        guard let dashboard = dashboard(ofQuery: queryId) else { return nil }
        return [
            "id": .string(queryId), "model": .string(dashboard.model), "view": .string(dashboard.view),
            "fields": .array(Self.tileFields(dashboard.view).map(JSONValue.string)),
            "filters": .object([:]), "sorts": [.string("\(dashboard.view).count desc")], "limit": "500",
            "client_id": .string("sandbox\(queryId)"), "slug": .string("q\(queryId)"),
            "vis_config": ["type": .string(Self.visualization(ofQuery: queryId))],
        ]
    }

    /// Each tile's visualization type, so the terminal can draw every kind: bars, columns, lines, areas, a single value, a table.
    static func visualization(ofQuery queryId: String) -> String {
        switch queryId {
        case "121": "looker_bar"
        case "122": "looker_line"
        case "341": "looker_column"
        case "342": "looker_area"
        case "901": "looker_grid"
        case "902": "single_value"
        default: queryId.hasSuffix("1") ? "looker_bar" : "table"
        }
    }

    /// The fields a dashboard tile's query selects (the shared KPI view shows each row's team).
    static func tileFields(_ view: String) -> [String] {
        view == "kpis" ? ["kpis.team", "kpis.name", "kpis.count"] : ["\(view).name", "\(view).count"]
    }

    /// Every row of a view before access filters, with all its fields; `seed` varies the counts.
    static func rows(ofView view: String, seed: Int) -> [[String: JSONValue]] {
        // The shared view has rows of each team; the others belong to one team's folder.
        let count = view == "kpis" ? 6 : 5
        return (0..<count).map { row in
            let team = view == "kpis" ? kpiTeams[row % kpiTeams.count] : ""
            let name = view == "kpis" ? "\(team)-kpi-\(row / 2 + 1)" : "\(view)-\(row + 1)"
            return ["\(view).name": .string(name), "\(view).count": .int(Int64((seed * 7 + row * 13) % 100)), "\(view).team": .string(team)]
        }
    }

    /// The `Dashboard` object as `GET /dashboards/{id}` returns it.
    func resource(_ dashboard: Dashboard, baseURL: String) -> JSONValue {
        let folder = folders[dashboard.folderId]
        let elements: [JSONValue] = (1...2).map { number in
            let queryId = "\(dashboard.id)\(number)"
            return [
                "id": .string("\(dashboard.id)0\(number)"), "dashboard_id": .string(dashboard.id),
                "title": .string(number == 1 ? "\(dashboard.title) by name" : "\(dashboard.title) trend"),
                "type": .string(number == 1 ? "vis" : "data"), "query_id": .string(queryId), "query": query(queryId) ?? .null,
                "look_id": .null, "look": .null, "result_maker": .null,
            ]
        }
        return [
            "id": .string(dashboard.id), "title": .string(dashboard.title), "description": .string("Sandbox dashboard \(dashboard.id)"),
            "folder_id": .string(dashboard.folderId),
            "folder": ["id": .string(dashboard.folderId), "name": .string(folder?.name ?? ""), "parent_id": .null],
            "model": ["id": .string(dashboard.model), "label": .string(dashboard.model.capitalized)],
            "dashboard_elements": .array(elements), "dashboard_filters": [], "slug": .string("sandbox-\(dashboard.id)"),
            "readonly": false, "hidden": false, "deleted": false, "created_at": "2026-01-01T00:00:00.000+00:00",
            "updated_at": "2026-01-01T00:00:00.000+00:00", "user_id": "1", "refresh_interval": .null,
            "can": ["index": true, "show": true, "update": false, "destroy": false, "download": true],
            "url": .string("/dashboards/\(dashboard.id)"), "edit_uri": .null,
        ]
    }
}
