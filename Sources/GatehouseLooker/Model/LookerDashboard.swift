import GatehouseCore

/// A dashboard as Gatehouse serves it: Looker's metadata plus each tile's query results.
public struct LookerDashboard: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    /// The folder's name.
    public var folder: String?
    /// The LookML model the dashboard is built on (embed URLs need it).
    public var model: String?
    public var tiles: [LookerTile]

    /// A dashboard with every field given.
    public init(id: String, title: String, description: String? = nil, folder: String? = nil, model: String? = nil, tiles: [LookerTile]) {
        self.id = id
        self.title = title
        self.description = description
        self.folder = folder
        self.model = model
        self.tiles = tiles
    }
}

/// One tile (dashboard element) and, when it has a query, that query's rows.
public struct LookerTile: Codable, Sendable, Equatable {
    public var id: String
    public var title: String?
    /// Looker's element type (`vis`, `data`, `text`, …).
    public var type: String?
    public var queryID: String?
    /// Column order for tables: the query's fields, else the first row's keys.
    public var fields: [String]
    /// The rows as Looker's `json` result format gives them (one object per row, keyed by field); nil for tiles without a query.
    public var rows: [JSONValue]?
    /// Why the rows are missing although the tile has a query (e.g. the Looker user may not run it).
    public var error: String?
    /// Looker's visualization type (`query.vis_config.type`: looker_bar, looker_line, single_value, …), for drawing it.
    public var visualization: String?

    /// A tile with every field given.
    public init(
        id: String, title: String?, type: String?, queryID: String?, fields: [String], rows: [JSONValue]?, error: String? = nil,
        visualization: String? = nil
    ) {
        self.id = id
        self.title = title
        self.type = type
        self.queryID = queryID
        self.fields = fields
        self.rows = rows
        self.error = error
        self.visualization = visualization
    }
}
