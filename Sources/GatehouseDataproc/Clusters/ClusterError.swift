import Foundation

/// Why a cluster request failed. Messages never quote tokens.
public enum ClusterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The template, overrides or resulting `Cluster` do not fit; every problem is listed.
    case invalidSpec([String])
    /// A request parameter is wrong.
    case invalidRequest(String)
    /// A configured value cannot be used.
    case invalidSetting(String)
    /// The request passes a configured limit.
    case limit(String)
    /// No such template.
    case unknownTemplate(String, known: [String])
    /// No such local cluster.
    case unknownCluster(String)
    /// The entity does not name its Dataproc project and region.
    case notConfigured(entity: String, missing: [String])
    /// The cluster is in a state that does not allow the request.
    case conflict(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidSpec(let problems): "the cluster spec is not valid: " + problems.joined(separator: "; ")
        case .invalidRequest(let detail), .invalidSetting(let detail), .limit(let detail), .conflict(let detail): detail
        case .unknownTemplate(let name, let known):
            "no cluster template \(name); configured: \(known.joined(separator: ", ")) (clusters.templates)"
        case .unknownCluster(let id): "no cluster \(id) is known here; list clusters with `gatehouse cluster ls`"
        case .notConfigured(let entity, let missing):
            "\(entity) does not name where its clusters go: add the annotation(s) \(missing.joined(separator: ", ")) to its catalog-info.yaml"
        }
    }
}
