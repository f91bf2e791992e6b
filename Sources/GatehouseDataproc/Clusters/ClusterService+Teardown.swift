import Foundation
import GRDB
import GatehouseCore
import GatehouseHTTP

/// A cluster teardown would remove: known locally, seen upstream by its labels, or both.
public struct TeardownTarget: Sendable, Codable, Equatable {
    public var clusterName: String
    public var project: String
    public var region: String
    /// The local id when this Gatehouse created it (nil: found only by its labels).
    public var localId: String?
    /// The entity label or ref.
    public var entity: String?
    /// Last known state.
    public var state: String
    /// Whether Dataproc listed it.
    public var seenUpstream: Bool
    /// Dataproc's uuid, when known.
    public var clusterUuid: String?
}

extension ClusterService {
    /// The clusters Gatehouse created for `principal` that still exist: its live local records, and
    /// every cluster labelled `gatehouse-principal=<principal>` in the projects and regions Gatehouse
    /// used (so clusters whose local record was lost are found too). `entities` (refs) narrows to those.
    /// Listing failures are returned as problems, never thrown: a teardown reports what it could not see.
    public func teardownTargets(principal: String, entities: Set<String>? = nil) async -> (targets: [TeardownTarget], problems: [String]) {
        var problems: [String] = []
        var targets: [String: TeardownTarget] = [:]
        let local = (try? await clusters.list(ClusterStore.Filter(principal: principal, liveOnly: true, limit: 10_000))) ?? []
        for cluster in local where entities.map({ $0.contains(cluster.entity) }) ?? true {
            targets["\(cluster.project)/\(cluster.region)/\(cluster.name)"] = TeardownTarget(
                clusterName: cluster.name, project: cluster.project, region: cluster.region, localId: cluster.id, entity: cluster.entity,
                state: cluster.state, seenUpstream: false, clusterUuid: cluster.clusterUuid)
        }
        let label = ClusterLabels.sanitize(principal)
        let entityLabels = entities.map { Set($0.map(ClusterLabels.sanitize)) }
        let locations = (try? await clusters.locations()) ?? []
        for (project, region) in locations {
            do {
                let found = try await client.allClusters(project: project, region: region, filter: "labels.\(ClusterLabels.principal)=\(label)")
                for resource in found {
                    guard let name = resource["clusterName"]?.stringValue else { continue }
                    let entity = resource["labels"]?[ClusterLabels.entity]?.stringValue
                    if let entityLabels, !entityLabels.contains(entity ?? "") { continue }
                    let key = "\(project)/\(region)/\(name)"
                    var target =
                        targets[key]
                        ?? TeardownTarget(
                            clusterName: name, project: project, region: region, localId: nil, entity: entity, state: "", seenUpstream: false)
                    target.seenUpstream = true
                    target.state = resource["status"]?["state"]?.stringValue ?? target.state
                    target.clusterUuid = resource["clusterUuid"]?.stringValue ?? target.clusterUuid
                    targets[key] = target
                }
            } catch {
                problems.append("could not list clusters in \(project)/\(region): \(error.description)")
            }
        }
        let pending = targets.values.filter { $0.state != ClusterState.deleting }
        return (pending.sorted { ($0.project, $0.region, $0.clusterName) < ($1.project, $1.region, $1.clusterName) }, problems)
    }

    /// Deletes a cluster Gatehouse labelled but has no record of, directly (there is no local record
    /// for an outbox entry); its requestId comes from the uuid, so a repeat does not delete a successor.
    public func deleteUnrecorded(_ target: TeardownTarget) async throws(DataprocError) -> JSONValue {
        let location = DataprocLocation(project: target.project, region: target.region, cluster: target.clusterName)
        let requestID = RequestID.derive(from: "td-" + (target.clusterUuid ?? target.clusterName))
        return try await client.perform(.DELETE, DataprocClient.ClusterPath.delete(location, requestID: requestID))
    }

    /// Waits (up to `timeout`) until no delete of `ids` is still waiting in the outbox; true when none is.
    public func waitForDeletesSent(_ ids: [String], timeout: Duration) async -> Bool {
        guard !ids.isEmpty else { return true }
        let deadline = ContinuousClock.now + timeout
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        var arguments: StatementArguments = [ClusterOutboxKind.delete]
        arguments += StatementArguments(ids)
        while true {
            let waiting =
                (try? await storeReader.read { [arguments] db in
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM dataproc_outbox WHERE kind = ? AND state = 'pending' AND record_id IN (\(marks))",
                        arguments: arguments) ?? 0
                }) ?? 0
            if waiting == 0 { return true }
            if ContinuousClock.now >= deadline { return false }
            sender.doorbell.ring()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
