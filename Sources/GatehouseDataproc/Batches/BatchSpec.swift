import Foundation
import GatehouseCore

/// A Serverless batch as a caller asks for it: a Dataproc `Batch` object with exactly one workload
/// (`pysparkBatch`, `sparkBatch`, `sparkRBatch`, `sparkSqlBatch`), its `runtimeConfig` and
/// `environmentConfig` checked against the discovery document before it is queued. The batch id
/// and Gatehouse's labels are Gatehouse's to set.
public struct BatchSpec: Sendable, Equatable {
    /// The workloads Gatehouse submits.
    public enum Workload: String, Sendable, CaseIterable, Codable {
        case pyspark = "pysparkBatch"
        case spark = "sparkBatch"
        case sparkR = "sparkRBatch"
        case sparkSql = "sparkSqlBatch"
    }

    /// The caller's `Batch` object, validated.
    public let batch: JSONValue
    /// Which workload it runs.
    public let workload: Workload

    /// Validates `batch`; the error lists every problem found.
    public init(_ batch: JSONValue, schemas: DiscoverySchemas = .dataprocBatches) throws(DataprocError) {
        guard case .object(let members) = batch else {
            throw .invalidSpec(["batch must be an object, e.g. {\"pysparkBatch\": {\"mainPythonFileUri\": \"gs://…\"}}"])
        }
        var problems = schemas.problems(batch, as: "Batch", path: "batch")
        let supported = Workload.allCases.map(\.rawValue).joined(separator: ", ")
        let present = members.keys.filter { $0.hasSuffix("Batch") }.sorted()
        if present.isEmpty { problems.append("batch needs one workload: \(supported)") }
        if present.count > 1 { problems.append("batch has \(present.count) workloads (\(present.joined(separator: ", "))); give exactly one") }
        for name in present where Workload(rawValue: name) == nil && schemas.properties(of: "Batch").contains(name) {
            problems.append("batch.\(name) is not supported by Gatehouse; use one of \(supported)")
        }
        let workload = present.count == 1 ? Workload(rawValue: present[0]) : nil
        if let workload, let body = members[workload.rawValue] { problems += Self.requiredFields(of: workload, in: body) }
        if let labels = members["labels"]?.objectValue {
            problems += JobSpec.labelProblems(labels, path: "batch.labels")
            for key in labels.keys.sorted() where key.hasPrefix(ClusterLabels.reservedPrefix) {
                problems.append("batch.labels.\(key) is set by Gatehouse; labels starting with \(ClusterLabels.reservedPrefix) are reserved")
            }
        }
        guard problems.isEmpty, let workload else { throw .invalidSpec(problems) }
        self.batch = batch
        self.workload = workload
    }

    /// The fields the discovery document marks as required in prose, which its schema cannot express.
    private static func requiredFields(of workload: Workload, in body: JSONValue) -> [String] {
        let path = "batch.\(workload.rawValue)"
        func has(_ key: String) -> Bool { body[key] != nil && body[key] != .null }
        switch workload {
        case .pyspark:
            return has("mainPythonFileUri") ? [] : ["\(path).mainPythonFileUri is required (the driver, e.g. gs://bucket/main.py)"]
        case .spark:
            return has("mainJarFileUri") != has("mainClass") ? [] : ["\(path) needs exactly one of mainJarFileUri and mainClass"]
        case .sparkR:
            return has("mainRFileUri") ? [] : ["\(path).mainRFileUri is required"]
        case .sparkSql:
            return has("queryFileUri") ? [] : ["\(path).queryFileUri is required"]
        }
    }

    /// The `Batch` to create: the spec with Gatehouse's labels (as on clusters: entity, owning group, person).
    public func submission(entity: String, owner: String?, principal: String) -> JSONValue {
        var members = batch.objectValue ?? [:]
        var labels = members["labels"]?.objectValue ?? [:]
        for (key, value) in ClusterLabels.labels(entity: entity, owner: owner, principal: principal) { labels[key] = .string(value) }
        members["labels"] = .object(labels)
        return .object(members)
    }
}
