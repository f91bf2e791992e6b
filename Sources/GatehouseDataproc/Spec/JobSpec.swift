import Foundation
import GatehouseCore

/// A job as a caller asks for it: a Dataproc `Job` object with exactly one of the supported job
/// types, checked against the discovery document before it is queued. Placement and reference are
/// Gatehouse's to set (from the entity's annotations and the local job id), so callers leave them out.
public struct JobSpec: Sendable, Equatable {
    /// The job types Gatehouse submits.
    public enum JobType: String, Sendable, CaseIterable, Codable {
        case pyspark = "pysparkJob"
        case spark = "sparkJob"
        case sparkSql = "sparkSqlJob"
        case hive = "hiveJob"
    }

    /// The caller's `Job` object, validated.
    public let job: JSONValue
    /// Which type it is.
    public let type: JobType

    /// Validates `job`; the error lists every problem found.
    public init(_ job: JSONValue, schemas: DiscoverySchemas = .dataprocJobs) throws(DataprocError) {
        guard case .object(let members) = job else {
            throw .invalidSpec(["job must be an object, e.g. {\"pysparkJob\": {\"mainPythonFileUri\": \"gs://…\"}}"])
        }
        var problems: [String] = []
        for owned in ["reference", "placement"] where members[owned] != nil {
            problems.append(
                "job.\(owned) is set by Gatehouse (from the local job id and the entity's dataproc.googleapis.com annotations); leave it out")
        }
        let unsupported = schemas.properties(of: "Job").filter { $0.hasSuffix("Job") && JobType(rawValue: $0) == nil }
        let present = members.keys.filter { $0.hasSuffix("Job") }.sorted()
        let supported = JobType.allCases.map(\.rawValue).joined(separator: ", ")
        if present.isEmpty { problems.append("job needs one job type: \(supported)") }
        if present.count > 1 { problems.append("job has \(present.count) job types (\(present.joined(separator: ", "))); give exactly one") }
        for name in present where unsupported.contains(name) {
            problems.append("job.\(name) is not supported by Gatehouse; use one of \(supported)")
        }
        var checked = members
        for owned in ["reference", "placement"] { checked[owned] = nil }
        problems += schemas.problems(.object(checked), as: "Job")
        let type = present.count == 1 ? JobType(rawValue: present[0]) : nil
        if let type, let body = members[type.rawValue] { problems += Self.requiredFields(of: type, in: body) }
        if let labels = members["labels"]?.objectValue { problems += Self.labelProblems(labels) }
        guard problems.isEmpty, let type else { throw .invalidSpec(problems) }
        self.job = job
        self.type = type
    }

    /// The fields the discovery document marks as required in prose, which its schema cannot express.
    private static func requiredFields(of type: JobType, in body: JSONValue) -> [String] {
        let path = "job.\(type.rawValue)"
        func has(_ key: String) -> Bool { body[key] != nil && body[key] != .null }
        switch type {
        case .pyspark:
            return has("mainPythonFileUri") ? [] : ["\(path).mainPythonFileUri is required (the driver, e.g. gs://bucket/main.py)"]
        case .spark:
            return has("mainJarFileUri") != has("mainClass") ? [] : ["\(path) needs exactly one of mainJarFileUri and mainClass"]
        case .sparkSql, .hive:
            return has("queryFileUri") != has("queryList") ? [] : ["\(path) needs exactly one of queryFileUri and queryList"]
        }
    }

    /// Dataproc's label rules: at most 32, keys 1–63 lowercase letters, digits, `_` or `-` starting with a letter; values up to 63.
    static func labelProblems(_ labels: [String: JSONValue], path: String = "job.labels") -> [String] {
        var problems: [String] = []
        if labels.count > 32 { problems.append("\(path) has \(labels.count) labels; at most 32") }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if key.range(of: #"^[a-z][a-z0-9_-]{0,62}$"#, options: .regularExpression) == nil {
                problems.append("\(path) key '\(key)' must be 1–63 lowercase letters, digits, _ or -, starting with a letter")
            }
            if let text = value.stringValue, text.range(of: #"^[a-z0-9_-]{0,63}$"#, options: .regularExpression) == nil {
                problems.append("\(path).\(key) value must be at most 63 lowercase letters, digits, _ or -")
            }
        }
        return problems
    }

    /// The `Job` to submit: the spec with Gatehouse's reference and placement.
    public func submission(jobID: String, location: DataprocLocation) -> JSONValue {
        var members = job.objectValue ?? [:]
        members["reference"] = ["projectId": .string(location.project), "jobId": .string(jobID)]
        members["placement"] = ["clusterName": .string(location.cluster)]
        return .object(members)
    }
}
