import Foundation
import GatehouseCore

/// A named starting point for `cluster.create` (`clusters.templates`): machine types, worker count
/// and image version, which the caller's overrides refine.
public struct ClusterTemplate: Sendable, Equatable {
    /// What `cluster.create {template}` names.
    public var name: String
    /// `config.masterConfig.machineTypeUri`.
    public var masterMachineType: String
    /// `config.workerConfig.machineTypeUri`.
    public var workerMachineType: String
    /// `config.workerConfig.numInstances`.
    public var workers: Int
    /// `config.softwareConfig.imageVersion`.
    public var imageVersion: String

    /// A template; the defaults are a small general-purpose cluster.
    public init(
        name: String, masterMachineType: String = "n2-standard-4", workerMachineType: String = "n2-standard-4", workers: Int = 2,
        imageVersion: String = "2.2-debian12"
    ) {
        self.name = name
        self.masterMachineType = masterMachineType
        self.workerMachineType = workerMachineType
        self.workers = workers
        self.imageVersion = imageVersion
    }

    /// The fields a template line may set.
    public static let fields = ["workers", "machine", "master_machine", "worker_machine", "image"]

    /// One config line: `NAME: workers=2 machine=n2-standard-4 image=2.2-debian12` (`machine` sets both
    /// master and workers; `master_machine`/`worker_machine` set one). Unset fields keep the defaults.
    public init(line: String) throws(ClusterError) {
        guard let colon = line.firstIndex(of: ":") else {
            throw .invalidSetting(
                "clusters.templates entry \"\(line)\" is not `NAME: field=value ...` (fields: \(Self.fields.joined(separator: ", ")))")
        }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        guard name.range(of: #"^[a-z][a-z0-9_-]*$"#, options: .regularExpression) != nil else {
            throw .invalidSetting("clusters.templates name \"\(name)\" must be lowercase letters, digits, _ or -, starting with a letter")
        }
        self.init(name: name)
        for pair in line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw .invalidSetting("clusters.templates \(name): \"\(pair)\" is not field=value")
            }
            switch parts[0] {
            case "workers":
                guard let count = Int(parts[1]), count >= 0 else {
                    throw .invalidSetting("clusters.templates \(name): workers must be a whole number, not \(parts[1])")
                }
                workers = count
            case "machine":
                masterMachineType = parts[1]
                workerMachineType = parts[1]
            case "master_machine": masterMachineType = parts[1]
            case "worker_machine": workerMachineType = parts[1]
            case "image": imageVersion = parts[1]
            default:
                throw .invalidSetting("clusters.templates \(name): unknown field \(parts[0]) (fields: \(Self.fields.joined(separator: ", ")))")
            }
        }
    }

    /// Templates from config lines, by name; a `default` template is always there.
    public static func catalog(_ lines: [String]) throws(ClusterError) -> [String: ClusterTemplate] {
        var templates = ["default": ClusterTemplate(name: "default")]
        for line in lines {
            let template = try ClusterTemplate(line: line)
            templates[template.name] = template
        }
        return templates
    }

    /// The template as a partial Dataproc `Cluster`.
    public var cluster: JSONValue {
        [
            "config": [
                "masterConfig": ["numInstances": 1, "machineTypeUri": .string(masterMachineType)],
                "workerConfig": ["numInstances": .int(Int64(workers)), "machineTypeUri": .string(workerMachineType)],
                "softwareConfig": ["imageVersion": .string(imageVersion)],
            ]
        ]
    }
}
