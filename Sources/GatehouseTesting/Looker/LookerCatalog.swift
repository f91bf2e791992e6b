import GatehouseCore

/// The Looker content the sandbox serves: folders, dashboards (ids 12, 34, 56, 78, 90, matching
/// the demo org's `looker.com/dashboard-ids`), their queries, and who may see which folder.
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

    struct User: Sendable {
        var id: String
        var name: String
        var email: String
        var isAdmin: Bool
        var folderIds: Set<String>
    }

    var folders: [String: Folder]
    var dashboards: [String: Dashboard]
    var users: [String: User]

    /// Folders a group's members may see, by group name.
    static let teamFolders: [String: String] = ["team-a": "10", "team-b": "20"]
    static let sharedFolder = "1"

    /// The seed content plus one Looker user per sandbox user with a `lookerUserId`.
    static func seed(users: [SandboxUser]) -> LookerCatalog {
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
        var lookerUsers = [User(id: "1", name: "Looker Admin", email: "admin@example.com", isAdmin: true, folderIds: Set(folders.map(\.id)))]
        for user in users {
            guard let id = user.lookerUserId else { continue }
            let visible = user.groups.compactMap { Self.teamFolders[$0] }
            lookerUsers.append(User(id: id, name: user.name, email: user.email, isAdmin: false, folderIds: Set([sharedFolder] + visible)))
        }
        return LookerCatalog(
            folders: Dictionary(uniqueKeysWithValues: folders.map { ($0.id, $0) }),
            dashboards: Dictionary(uniqueKeysWithValues: dashboards.map { ($0.id, $0) }),
            users: Dictionary(lookerUsers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
    }

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
            "fields": [.string("\(dashboard.view).name"), .string("\(dashboard.view).count")],
            "filters": .object([:]), "sorts": [.string("\(dashboard.view).count desc")], "limit": "500",
            "client_id": .string("sandbox\(queryId)"), "slug": .string("q\(queryId)"),
        ]
    }

    /// Deterministic result rows of a query.
    func rows(ofQuery queryId: String, limit: Int) -> [[(field: String, value: JSONValue)]] {
        guard let dashboard = dashboard(ofQuery: queryId), let seed = Int(queryId) else { return [] }
        return (0..<min(limit, 5)).map { row in
            [("\(dashboard.view).name", .string("\(dashboard.view)-\(row + 1)")), ("\(dashboard.view).count", .int(Int64((seed * 7 + row * 13) % 100)))]
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

import Foundation
