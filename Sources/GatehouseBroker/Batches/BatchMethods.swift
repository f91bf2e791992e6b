import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseOversight
import GatehouseRPC

/// The `batch.*` RPC methods.
struct BatchMethods {
    /// The policy and approval action of a batch submission: the jobs' (see `BatchComponent`).
    static let submitAction = JobMethods.submitAction
    /// Policy action of cancel and delete.
    static let cancelAction = "job.cancel"
    /// Policy action of reads.
    static let viewAction = "job.view"

    let component: BatchComponent

    struct BatchParams: Decodable { var batchId: String }

    var all: [RPCMethod] {
        let component = component
        let batchID: JSONValue = ["type": "string", "description": "the local batch id (gh-…), also its Dataproc batchId"]
        let byID = CatalogMethods.schema(["batchId": batchID], required: ["batchId"])
        return [
            RPCMethod(
                "batch.submit",
                summary:
                    "Queues a Dataproc Serverless batch (a `Batch` object with one of pysparkBatch, sparkBatch, sparkRBatch, sparkSqlBatch) for an entity; answers {batchId, state: QUEUED} once the batch and its audit record are committed, online or offline.",
                params: CatalogMethods.schema(["entity": ["type": "string"], "batch": ["type": "object"]], required: ["entity", "batch"]),
                handler: .async { call in try await component.submit(call) }),
            RPCMethod(
                "batch.show", summary: "A batch, every state it entered, and its outbox attempts and last error.", params: byID,
                handler: .async { call in try await component.show(call) }),
            RPCMethod(
                "batch.list", summary: "Batches, newest first: the signed-in person's (`mine`), an entity's, or in a state.",
                params: CatalogMethods.schema([
                    "entity": ["type": "string"], "state": ["type": "string"], "mine": ["type": "boolean"],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 10000],
                ]),
                handler: .async { call in try await component.list(call) }),
            RPCMethod(
                "batch.cancel",
                summary:
                    "Cancels a batch: withdrawn locally when not sent yet, else Dataproc's operations.cancel of its create operation is queued.",
                params: byID, handler: .async { call in try await component.cancel(call) }),
            RPCMethod(
                "batch.delete", summary: "Deletes an ended batch at Dataproc (batches.delete); the local record and its history stay.",
                params: byID, handler: .async { call in try await component.delete(call) }),
            RPCMethod(
                "batch.watch",
                summary:
                    "Streams batch.state notifications {batchId, state, detail, updatedAt} until the batch ends; answers with the final batch.",
                params: byID, handler: .async { call in try await component.watch(call) }),
            RPCMethod(
                "batch.logs",
                summary:
                    "The batch's driver output (runtimeInfo.outputUri) as batch.logs notifications {batchId, chunk, text}, from chunk `fromChunk` (default 0); with `follow`, new output until the batch ends. Answers {batchId, state, nextChunk, chunks, bytes}.",
                params: CatalogMethods.schema(
                    ["batchId": batchID, "follow": ["type": "boolean"], "fromChunk": ["type": "integer", "minimum": 0]], required: ["batchId"]),
                handler: .async { call in try await component.logs(call) }),
        ]
    }

    static func batchJSON(_ batch: BatchRecord) -> JSONValue {
        (try? JSONValue(encoding: batch)) ?? .null
    }

    /// The notification a watcher gets for each state.
    static func stateNotification(_ batch: BatchRecord) -> JSONValue {
        [
            "batchId": .string(batch.batchId), "state": .string(batch.state), "detail": batch.detail.map(JSONValue.string) ?? .null,
            "updatedAt": .string(batch.updatedAt),
        ]
    }
}

extension BatchComponent {
    func submit(_ call: RPCCall) async throws -> JSONValue {
        guard let entityText = call.params?["entity"]?.stringValue else {
            throw RPCError.invalidParams("params.entity is required (a string, e.g. component:default/engagement-reports)")
        }
        guard let batchValue = call.params?["batch"] else {
            throw RPCError.invalidParams("params.batch is required (a Dataproc Batch object, e.g. {\"pysparkBatch\": {\"mainPythonFileUri\": …}})")
        }
        let spec = try BatchSpec(batchValue)
        let entityRef = try EntityRef(parsing: entityText)
        let ref = entityRef.description
        let decision = try await policy.authorize(call, action: BatchMethods.submitAction, entity: ref)
        let (entity, _, _) = try await catalog.entity(entityRef)
        let location = try BatchLocation(annotations: entity.annotations, entity: ref)
        let principal = call.annotations.fields.principal ?? "unknown"
        let summary: JSONValue = [
            "entity": .string(ref), "project": .string(location.project), "region": .string(location.region), "serverless": true,
            "workload": .string(spec.workload.rawValue), "batch": spec.batch,
        ]
        let approval = try await approvals.requireApproval(
            for: call, action: BatchMethods.submitAction, entity: ref, decision: decision, summary: summary)
        let (batch, work) = service.prepareSubmit(
            spec, entity: ref, owner: entity.owner, location: location, principal: principal, approvalID: approval?.id)
        call.annotations.update {
            // Committed with this call's audit record: the answer leaves only once both are durable.
            $0.stateChange = work
            $0.detail["batchId"] = .string(batch.batchId)
            if let approval { $0.detail["approvalId"] = .string(approval.id) }
        }
        var answer: [String: JSONValue] = [
            "batchId": .string(batch.batchId), "state": .string(batch.state), "entity": .string(ref), "project": .string(location.project),
            "region": .string(location.region),
        ]
        if let approval {
            answer["approvalId"] = .string(approval.id)
            answer["expiresAt"] = .string(approval.expiresAt)
        }
        return .object(answer)
    }

    func show(_ call: RPCCall) async throws -> JSONValue {
        let params: BatchMethods.BatchParams = try call.decodeParams()
        let (batch, transitions, entries) = try await service.status(params.batchId)
        try await policy.authorize(call, action: BatchMethods.viewAction, entity: batch.entity)
        var members = BatchMethods.batchJSON(batch).objectValue ?? [:]
        members["transitions"] = (try? JSONValue(encoding: transitions)) ?? .array([])
        members["outbox"] = .array(
            entries.map { entry in
                [
                    "kind": .string(entry.kind), "state": .string(entry.state.rawValue), "attempts": .int(Int64(entry.attempts)),
                    "requestId": .string(entry.requestID), "lastError": entry.lastError.map(JSONValue.string) ?? .null,
                ]
            })
        members["lastError"] = entries.last(where: { $0.lastError != nil })?.lastError.map(JSONValue.string) ?? .null
        return .object(members)
    }

    func list(_ call: RPCCall) async throws -> JSONValue {
        let batches = try await service.batches.list(
            try await policy.workloadListFilter(call, viewAction: BatchMethods.viewAction, things: "batches"))
        return ["batches": .array(batches.map(BatchMethods.batchJSON)), "count": .int(Int64(batches.count))]
    }

    func cancel(_ call: RPCCall) async throws -> JSONValue {
        let params: BatchMethods.BatchParams = try call.decodeParams()
        guard let batch = try await service.batches.batch(params.batchId) else { throw DataprocError.unknownBatch(params.batchId) }
        try await policy.authorize(call, action: BatchMethods.cancelAction, entity: batch.entity)
        let work = try service.prepareCancel(batch)
        call.annotations.update {
            $0.stateChange = work
            $0.detail["batchId"] = .string(batch.batchId)
        }
        let local = BatchState.local.contains(batch.state)
        return [
            "batchId": .string(batch.batchId), "previousState": .string(batch.state),
            "cancel": local ? "withdrawn before sending (or cancelled once Dataproc answers its create)" : "operations.cancel queued for Dataproc",
        ]
    }

    func delete(_ call: RPCCall) async throws -> JSONValue {
        let params: BatchMethods.BatchParams = try call.decodeParams()
        guard let batch = try await service.batches.batch(params.batchId) else { throw DataprocError.unknownBatch(params.batchId) }
        try await policy.authorize(call, action: BatchMethods.cancelAction, entity: batch.entity)
        let work = try service.prepareDelete(batch)
        call.annotations.update {
            $0.stateChange = work
            $0.detail["batchId"] = .string(batch.batchId)
        }
        return ["batchId": .string(batch.batchId), "state": .string(batch.state), "delete": "batches.delete queued for Dataproc"]
    }

    func watch(_ call: RPCCall) async throws -> JSONValue {
        let params: BatchMethods.BatchParams = try call.decodeParams()
        // Subscribe before reading, so no change between the read and the first wait is missed.
        let updates = service.events.subscribe(to: params.batchId)
        guard let current = try await service.batches.batch(params.batchId) else { throw DataprocError.unknownBatch(params.batchId) }
        try await policy.authorize(call, action: BatchMethods.viewAction, entity: current.entity)
        let watch = StateWatch(
            method: "batch.state", notification: BatchMethods.stateNotification,
            changed: { $0.state != $1.state || $0.detail != $1.detail }, isFinal: { $0.isTerminal })
        if let final = await watch.follow(from: current, updates: updates, notifier: call.notifier) { return BatchMethods.batchJSON(final) }
        return BatchMethods.batchJSON(try await service.batches.batch(params.batchId) ?? current)
    }
}
