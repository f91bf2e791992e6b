import Foundation
import GatehouseCore
import GatehouseHTTP

/// Dataproc v1 `projects.regions.clusters` and `projects.regions.operations`.
extension DataprocClient {
    /// Paths of the cluster methods, relative to the API root; `location.cluster` is the cluster's name.
    public enum ClusterPath {
        /// `clusters.create` with its `requestId`.
        public static func create(_ location: DataprocLocation, requestID: String) -> String {
            location.regionPath + "/clusters?" + FormEncoding.encode([("requestId", requestID)])
        }

        /// `clusters.get`.
        public static func get(_ location: DataprocLocation) -> String {
            location.regionPath + "/clusters/" + location.cluster
        }

        /// `clusters.delete` with its `requestId`.
        public static func delete(_ location: DataprocLocation, requestID: String) -> String {
            get(location) + "?" + FormEncoding.encode([("requestId", requestID)])
        }

        /// `clusters.patch` of the fields in `updateMask`, with its `requestId`.
        public static func patch(_ location: DataprocLocation, updateMask: String, requestID: String) -> String {
            get(location) + "?" + FormEncoding.encode([("updateMask", updateMask), ("requestId", requestID)])
        }
    }

    /// `clusters.get`.
    public func cluster(at location: DataprocLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.GET, ClusterPath.get(location))
    }

    /// `clusters.list`, one page: `{clusters, nextPageToken}`; `filter` as Dataproc documents it (e.g. `labels.k = v`).
    public func clusters(project: String, region: String, filter: String? = nil, pageToken: String? = nil) async throws(DataprocError) -> JSONValue {
        var query: [(String, String)] = []
        if let filter { query.append(("filter", filter)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        let location = DataprocLocation(project: project, region: region, cluster: "")
        return try await perform(.GET, location.regionPath + "/clusters" + (query.isEmpty ? "" : "?" + FormEncoding.encode(query)))
    }

    /// Every cluster matching `filter`, across pages (at most `maxPages`).
    public func allClusters(project: String, region: String, filter: String? = nil, maxPages: Int = 50) async throws(DataprocError) -> [JSONValue] {
        var found: [JSONValue] = []
        var token: String?
        for _ in 0..<maxPages {
            let page = try await clusters(project: project, region: region, filter: filter, pageToken: token)
            found += page["clusters"]?.arrayValue ?? []
            token = page["nextPageToken"]?.stringValue
            if token?.isEmpty ?? true { break }
        }
        return found
    }

    /// `operations.get` of an operation's full name (`projects/…/regions/…/operations/…`).
    public func operation(_ name: String) async throws(DataprocError) -> JSONValue {
        try await perform(.GET, "v1/" + name)
    }
}
