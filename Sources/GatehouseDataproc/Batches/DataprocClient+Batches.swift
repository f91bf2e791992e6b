import Foundation
import GatehouseCore
import GatehouseHTTP

/// Dataproc v1 `projects.locations.batches` (Serverless for Apache Spark). The API has no
/// `batches.cancel`: a batch is cancelled through its create operation (`operations.cancel`).
extension DataprocClient {
    /// Paths of the batch methods, relative to the API root.
    public enum BatchPath {
        /// `batches.create` with the `batchId` and `requestId` derived from the local id.
        public static func create(_ location: BatchLocation, batchID: String, requestID: String) -> String {
            location.locationPath + "/batches?" + FormEncoding.encode([("batchId", batchID), ("requestId", requestID)])
        }

        /// `batches.get` (and `batches.delete`, which takes no `requestId`).
        public static func get(_ location: BatchLocation, batchID: String) -> String {
            location.locationPath + "/batches/" + batchID
        }

        /// `operations.cancel` of a batch's create operation (`projects/…/regions/…/operations/…`).
        public static func cancel(operation: String) -> String {
            "v1/" + operation + ":cancel"
        }
    }

    /// `batches.create`: answers the create operation. Idempotent through `requestId`, and the
    /// `batchId` is Gatehouse's, so a repeat never makes a second batch.
    public func createBatch(
        _ batch: JSONValue, batchID: String, requestID: String, at location: BatchLocation
    ) async throws(DataprocError)
        -> JSONValue
    {
        try await perform(.POST, BatchPath.create(location, batchID: batchID, requestID: requestID), body: batch)
    }

    /// `batches.get`.
    public func batch(_ batchID: String, at location: BatchLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.GET, BatchPath.get(location, batchID: batchID))
    }

    /// `batches.list`, one page: `{batches, nextPageToken}`; `filter` as Dataproc documents it (e.g. `state = RUNNING`).
    public func batches(at location: BatchLocation, filter: String? = nil, pageToken: String? = nil) async throws(DataprocError) -> JSONValue {
        var query: [(String, String)] = []
        if let filter { query.append(("filter", filter)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        return try await perform(.GET, location.locationPath + "/batches" + (query.isEmpty ? "" : "?" + FormEncoding.encode(query)))
    }

    /// `batches.delete` of a batch that has ended.
    public func deleteBatch(_ batchID: String, at location: BatchLocation) async throws(DataprocError) -> JSONValue {
        try await perform(.DELETE, BatchPath.get(location, batchID: batchID))
    }

    /// `operations.cancel` of a batch's create operation: the batch goes CANCELLING, then CANCELLED.
    public func cancelBatch(operation: String) async throws(DataprocError) -> JSONValue {
        try await perform(.POST, BatchPath.cancel(operation: operation), body: .object([:]))
    }
}
