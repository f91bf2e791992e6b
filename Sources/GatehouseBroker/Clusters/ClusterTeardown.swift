import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseDataproc
import Logging

/// Finds the clusters Gatehouse created for a principal and deletes or reports them, writing one
/// audit record for what was found and one per cluster acted on (`cluster.teardown`, `cluster.teardown.delete`).
struct ClusterTeardown: Sendable {
    let service: ClusterService
    let mode: ClusterTeardownMode
    let audit: AuditLog
    let logger: Logger

    /// What a teardown did.
    struct Report: Sendable {
        var found: [TeardownTarget]
        /// Local ids whose delete went into the outbox.
        var queued: [String]
        /// Clusters deleted directly (no local record).
        var deletedDirectly: [String]
        var problems: [String]

        var json: JSONValue {
            [
                "found": (try? JSONValue(encoding: found)) ?? .array([]), "queued": .array(queued.map(JSONValue.string)),
                "deletedDirectly": .array(deletedDirectly.map(JSONValue.string)), "problems": .array(problems.map(JSONValue.string)),
            ]
        }
    }

    /// Runs one teardown for `principal` (display name) because of `trigger`; `entities` narrows it;
    /// `reportOnly` lists without deleting whatever `clusters.teardown` says.
    func run(principal: String, trigger: String, entities: Set<String>? = nil, reportOnly: Bool = false) async -> Report {
        let mode = reportOnly ? .report : mode
        let (targets, problems) = await service.teardownTargets(principal: principal, entities: entities)
        var report = Report(found: targets, queued: [], deletedDirectly: [], problems: problems)
        await record(
            principal: principal, method: "cluster.teardown", entity: nil,
            detail: [
                "trigger": .string(trigger), "mode": .string(mode.rawValue), "found": report.json["found"] ?? .array([]),
                "problems": .array(problems.map(JSONValue.string)),
                "entities": entities.map { .array($0.sorted().map(JSONValue.string)) } ?? .null,
            ], outcome: problems.isEmpty ? .ok : .error)
        guard mode == .delete else { return report }
        for target in targets {
            var detail: [String: JSONValue] = [
                "trigger": .string(trigger), "clusterName": .string(target.clusterName), "project": .string(target.project),
                "region": .string(target.region), "clusterId": target.localId.map(JSONValue.string) ?? .null,
            ]
            do {
                if let id = target.localId, let cluster = try await service.clusters.cluster(id) {
                    let work = try service.prepareDelete(cluster, reason: "teardown on \(trigger)")
                    detail["via"] = "outbox"
                    _ = try await audit.append(entry(principal, "cluster.teardown.delete", target.entity, detail, .ok), alongside: work)
                    report.queued.append(id)
                } else {
                    _ = try await service.deleteUnrecorded(target)
                    detail["via"] = "direct"
                    await record(principal: principal, method: "cluster.teardown.delete", entity: target.entity, detail: detail, outcome: .ok)
                    report.deletedDirectly.append(target.clusterName)
                }
            } catch {
                let message = "\(error)"
                report.problems.append("\(target.clusterName): \(message)")
                detail["error"] = .string(message)
                await record(principal: principal, method: "cluster.teardown.delete", entity: target.entity, detail: detail, outcome: .error)
            }
        }
        logger.notice(
            "cluster teardown",
            metadata: [
                "trigger": "\(trigger)", "found": "\(targets.count)", "queued": "\(report.queued.count)", "direct": "\(report.deletedDirectly.count)",
                "problems": "\(report.problems.count)",
            ])
        return report
    }

    private func entry(_ principal: String, _ method: String, _ entity: String?, _ detail: [String: JSONValue], _ outcome: AuditOutcome) -> AuditEntry
    {
        AuditEntry(
            principal: principal, method: method, entity: entity, outcome: outcome, errorReason: outcome == .error ? "teardown" : nil,
            detail: .object(detail))
    }

    private func record(principal: String, method: String, entity: String?, detail: [String: JSONValue], outcome: AuditOutcome) async {
        do {
            _ = try await audit.append(entry(principal, method, entity, detail, outcome))
        } catch {
            logger.error("could not audit a cluster teardown step", metadata: ["method": "\(method)", "error": "\(error)"])
        }
    }
}
