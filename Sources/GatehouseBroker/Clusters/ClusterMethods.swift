import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseOversight
import GatehouseRPC

/// The `cluster.*` RPC methods.
struct ClusterMethods {
    /// Policy and approval action of a create (and of an extension, which keeps the resource alive longer).
    static let createAction = "cluster.create"
    /// Policy and approval action of a delete.
    static let deleteAction = "cluster.delete"
    /// Reading clusters is reading the entity's Dataproc work, as for jobs.
    static let viewAction = "job.view"

    let component: ClusterComponent

    var all: [RPCMethod] {
        let component = component
        let id: JSONValue = ["type": "string", "description": "the local cluster id (gh-…) or its Dataproc name"]
        return [
            RPCMethod(
                "cluster.create",
                summary:
                    "Queues a Dataproc cluster for an entity from a template (clusters.templates) and overrides (a partial Cluster); answers {clusterId, clusterName, state} once queued with its audit record.",
                params: CatalogMethods.schema(
                    ["entity": ["type": "string"], "template": ["type": "string"], "overrides": ["type": "object"]], required: ["entity"]),
                handler: .async { call in try await component.create(call) }),
            RPCMethod(
                "cluster.get", summary: "A cluster, every state it entered, and its outbox requests.",
                params: CatalogMethods.schema(["id": id], required: ["id"]),
                handler: .async { call in try await component.get(call) }),
            RPCMethod(
                "cluster.list", summary: "Clusters, newest first: the signed-in person's (`mine`) or an entity's; `live` leaves out gone ones.",
                params: CatalogMethods.schema([
                    "entity": ["type": "string"], "mine": ["type": "boolean"], "live": ["type": "boolean"],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 10000],
                ]),
                handler: .async { call in try await component.list(call) }),
            RPCMethod(
                "cluster.delete", summary: "Deletes a cluster (withdrawn when its create was not sent yet); policy cluster.delete.",
                params: CatalogMethods.schema(["id": id], required: ["id"]),
                handler: .async { call in try await component.delete(call) }),
            RPCMethod(
                "cluster.extend", summary: "Moves a RUNNING cluster's auto-delete later by `by` (e.g. 2h), within clusters.max_auto_delete_ttl.",
                params: CatalogMethods.schema(["id": id, "by": ["type": "string"]], required: ["id", "by"]),
                handler: .async { call in try await component.extend(call) }),
            RPCMethod(
                "cluster.watch",
                summary:
                    "Streams cluster.state notifications {clusterId, state, detail, updatedAt} until the cluster reaches one of `until` (default: gone); answers with the cluster.",
                params: CatalogMethods.schema(["id": id, "until": ["type": "array", "items": ["type": "string"]]], required: ["id"]),
                handler: .async { call in try await component.watch(call) }),
            RPCMethod(
                "cluster.teardown",
                summary:
                    "Lists (and audits) what a teardown would remove for the signed-in person now; deleting happens at logout, end of day or lost ownership, or one by one with cluster.delete (which approvals can hold).",
                handler: .async { call in try await component.teardownNow(call) }),
        ]
    }

    static func clusterJSON(_ cluster: ClusterRecord) -> JSONValue {
        var members = (try? JSONValue(encoding: cluster))?.objectValue ?? [:]
        members["labels"] = cluster.spec["labels"] ?? .null
        members["lifecycleConfig"] = cluster.spec["config"]?["lifecycleConfig"] ?? .null
        members["spec"] = nil
        return .object(members)
    }

    static func stateNotification(_ cluster: ClusterRecord) -> JSONValue {
        [
            "clusterId": .string(cluster.id), "clusterName": .string(cluster.name), "state": .string(cluster.state),
            "detail": cluster.detail.map(JSONValue.string) ?? .null, "updatedAt": .string(cluster.updatedAt),
        ]
    }
}

extension ClusterComponent {
    func create(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var entity: String
            var template: String?
            var overrides: JSONValue?
        }
        let params: Params = try call.decodeParams()
        let entityRef = try EntityRef(parsing: params.entity)
        let ref = entityRef.description
        let decision = try await policy.authorize(call, action: ClusterMethods.createAction, entity: ref)
        let templateName = params.template ?? "default"
        guard let template = settings.templates[templateName] else {
            throw ClusterError.unknownTemplate(templateName, known: settings.templates.keys.sorted())
        }
        let (entity, _, _) = try await catalog.entity(entityRef)
        let project = entity.annotations[DataprocLocation.Annotation.project] ?? ""
        let region = entity.annotations[DataprocLocation.Annotation.region] ?? ""
        let missing = [(DataprocLocation.Annotation.project, project), (DataprocLocation.Annotation.region, region)].filter { $0.1.isEmpty }.map(\.0)
        guard missing.isEmpty else { throw ClusterError.notConfigured(entity: ref, missing: missing) }
        let principal = call.annotations.fields.principal ?? "unknown"
        let owner = ClusterSpec.Owner(entity: ref, entityName: entity.name, group: entity.owner, principal: principal, project: project)
        let id = ClusterService.newID()
        let spec = try ClusterSpec(template: template, overrides: params.overrides, owner: owner, localID: id, lifetime: settings.lifetime)
        let summary: JSONValue = [
            "entity": .string(ref), "project": .string(project), "region": .string(region), "template": .string(templateName),
            "clusterName": .string(spec.name), "cluster": spec.cluster,
        ]
        let approval = try await approvals.requireApproval(
            for: call, action: ClusterMethods.createAction, entity: ref, decision: decision, summary: summary)
        var createdAsOwner = false
        if let who = await policy.resolve(nil) { createdAsOwner = await owns(who, ref) }
        let (cluster, work) = service.prepareCreate(
            id: id, spec: spec, owner: owner, region: region, template: templateName, approvalID: approval?.id, createdAsOwner: createdAsOwner)
        call.annotations.update {
            // Committed with this call's audit record: the answer leaves only once both are durable.
            $0.stateChange = work
            $0.detail["clusterId"] = .string(cluster.id)
            $0.detail["clusterName"] = .string(cluster.name)
            if let approval { $0.detail["approvalId"] = .string(approval.id) }
        }
        var answer = ClusterMethods.clusterJSON(cluster).objectValue ?? [:]
        answer["clusterId"] = .string(cluster.id)
        answer["clusterName"] = .string(cluster.name)
        if let approval {
            answer["approvalId"] = .string(approval.id)
            answer["expiresAt"] = .string(approval.expiresAt)
        }
        return .object(answer)
    }

    func get(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable { var id: String }
        let params: Params = try call.decodeParams()
        let (cluster, transitions, entries) = try await service.status(params.id)
        try await policy.authorize(call, action: ClusterMethods.viewAction, entity: cluster.entity)
        var members = ClusterMethods.clusterJSON(cluster).objectValue ?? [:]
        members["transitions"] = (try? JSONValue(encoding: transitions)) ?? .array([])
        members["outbox"] = .array(
            entries.map { entry in
                [
                    "kind": .string(entry.kind), "state": .string(entry.state.rawValue), "attempts": .int(Int64(entry.attempts)),
                    "requestId": .string(entry.requestID), "lastError": entry.lastError.map(JSONValue.string) ?? .null,
                ]
            })
        return .object(members)
    }

    func list(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var entity: String?
            var mine: Bool?
            var live: Bool?
            var limit: Int?
        }
        let params: Params = try call.decodeParams()
        var filter = ClusterStore.Filter(liveOnly: params.live ?? false, limit: min(max(params.limit ?? 100, 1), 10_000))
        (filter.entity, filter.principal) = try await policy.listScope(
            call, entity: params.entity, mine: params.mine, viewAction: ClusterMethods.viewAction, things: "clusters")
        let clusters = try await service.clusters.list(filter)
        return ["clusters": .array(clusters.map(ClusterMethods.clusterJSON)), "count": .int(Int64(clusters.count))]
    }

    func delete(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable { var id: String }
        let params: Params = try call.decodeParams()
        guard let cluster = try await service.clusters.cluster(params.id) else { throw ClusterError.unknownCluster(params.id) }
        let decision = try await policy.authorize(call, action: ClusterMethods.deleteAction, entity: cluster.entity)
        let unsent = ClusterState.local.contains(cluster.state)
        let approval =
            unsent
            ? nil
            : try await approvals.requireApproval(
                for: call, action: ClusterMethods.deleteAction, entity: cluster.entity, decision: decision,
                summary: [
                    "clusterId": .string(cluster.id), "clusterName": .string(cluster.name), "project": .string(cluster.project),
                    "region": .string(cluster.region),
                ])
        let work = try service.prepareDelete(
            cluster, reason: "cluster.delete by \(call.annotations.fields.principal ?? "unknown")", approvalID: approval?.id)
        call.annotations.update {
            $0.stateChange = work
            $0.detail["clusterId"] = .string(cluster.id)
            $0.detail["clusterName"] = .string(cluster.name)
            if let approval { $0.detail["approvalId"] = .string(approval.id) }
        }
        var answer: [String: JSONValue] = [
            "clusterId": .string(cluster.id), "clusterName": .string(cluster.name), "previousState": .string(cluster.state),
            "delete": unsent ? "withdrawn before sending" : (approval == nil ? "clusters.delete queued for Dataproc" : "waits for approval"),
        ]
        if let approval {
            answer["approvalId"] = .string(approval.id)
            answer["expiresAt"] = .string(approval.expiresAt)
        }
        return .object(answer)
    }

    func extend(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var id: String
            var by: String
        }
        let params: Params = try call.decodeParams()
        guard let by = ClusterDuration.seconds(params.by) else {
            throw ClusterError.invalidRequest("by is \"\(params.by)\"; give a duration such as 30m, 2h or 1d")
        }
        guard let cluster = try await service.clusters.cluster(params.id) else { throw ClusterError.unknownCluster(params.id) }
        try await policy.authorize(call, action: ClusterMethods.createAction, entity: cluster.entity)
        let total = try settings.lifetime.extended(cluster.autoDeleteSeconds, by: by)
        let work = try service.prepareExtend(cluster, to: total)
        call.annotations.update {
            $0.stateChange = work
            $0.detail["clusterId"] = .string(cluster.id)
            $0.detail["autoDeleteTtl"] = .string(ClusterDuration.google(total))
        }
        return [
            "clusterId": .string(cluster.id), "clusterName": .string(cluster.name),
            "autoDeleteTtl": .string(ClusterDuration.google(total)), "autoDeleteAfterCreation": .string(ClusterDuration.describe(total)),
            "maxAutoDeleteTtl": .string(ClusterDuration.google(settings.lifetime.maxAutoDelete)),
        ]
    }

    func watch(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var id: String
            var until: [String]?
        }
        let params: Params = try call.decodeParams()
        guard let found = try await service.clusters.cluster(params.id) else { throw ClusterError.unknownCluster(params.id) }
        // Subscribe before reading again, so no change between the read and the first wait is missed.
        let updates = service.events.subscribe(to: found.id)
        let current = try await service.clusters.cluster(found.id) ?? found
        try await policy.authorize(call, action: ClusterMethods.viewAction, entity: current.entity)
        let until = Set(params.until ?? [])
        let watch = StateWatch(
            method: "cluster.state", notification: ClusterMethods.stateNotification,
            changed: { $0.state != $1.state || $0.detail != $1.detail }, isFinal: { $0.isTerminal || until.contains($0.state) })
        if let final = await watch.follow(from: current, updates: updates, notifier: call.notifier) { return ClusterMethods.clusterJSON(final) }
        return ClusterMethods.clusterJSON(try await service.clusters.cluster(found.id) ?? current)
    }

    func teardownNow(_ call: RPCCall) async throws -> JSONValue {
        guard let who = await policy.resolve(nil) else {
            throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first (`gatehouse login`) to tear down your clusters")
        }
        call.annotations.update { $0.principal = who.displayName }
        // Report only: deleting on request would let an automated caller skip the approvals cluster.delete may need.
        let report = await teardown.run(principal: who.displayName, trigger: "request", reportOnly: true)
        var answer = report.json.objectValue ?? [:]
        answer["mode"] = "report"
        return .object(answer)
    }
}
