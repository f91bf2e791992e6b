/// The part of Looker's `Dashboard` object (`GET /dashboards/{id}`) Gatehouse reads.
struct LookerDashboardResource: Decodable {
    struct Folder: Decodable { var name: String? }
    struct Model: Decodable { var id: String? }
    struct VisConfig: Decodable { var type: String? }
    struct Query: Decodable {
        var fields: [String]?
        /// Looker's free-form visualization settings; only its `type` (looker_bar, single_value, …) is read.
        var vis_config: VisConfig?
    }
    struct ResultMaker: Decodable { var query_id: String? }
    struct Element: Decodable {
        var id: String?
        var title: String?
        var type: String?
        var query_id: String?
        var query: Query?
        var result_maker: ResultMaker?

        /// Looker puts the query on the element, or (for merged results and looks) on its result maker.
        var queryID: String? { query_id ?? result_maker?.query_id }
    }

    var id: String
    var title: String?
    var description: String?
    var folder: Folder?
    var model: Model?
    var dashboard_elements: [Element]?

    /// The fields `GET /dashboards/{id}?fields=` asks for, so Looker sends no more than this.
    static let fields = "id,title,description,folder,model,dashboard_elements"
}
