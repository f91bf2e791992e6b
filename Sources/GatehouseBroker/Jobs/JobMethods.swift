import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseOversight
import GatehousePolicy
import GatehouseRPC

/// The `job.*` RPC methods.
struct JobMethods {
    /// The policy action (and approval action) of a submission.
    static let submitAction = "job.submit"

    let component: JobComponent

    private struct JobParams: Decodable { var jobId: String }

    var all: [RPCMethod] {
        let component = component
        let jobID: JSONValue = ["type": "string", "description": "the local job id (gh-…)"]
        return [
            RPCMethod(
                "job.submit",
                summary:
                    "Queues a Dataproc job (PySpark, Spark, SparkSql or Hive `Job` shape) for an entity; answers {jobId, state: QUEUED} once the job and its audit record are committed, online or offline.",
                params: CatalogMethods.schema(
                    [
                        "entity": ["type": "string"], "job": ["type": "object"],
                        "cluster": [
                            "type": "string", "description": "run on this cluster of the entity's project and region instead of its annotated one",
                        ],
                    ],
                    required: ["entity", "job"]),
                handler: .async { call in try await component.submit(call) }),
            RPCMethod(
                "job.status", summary: "A job, every state it entered, and its outbox attempts and last error.",
                params: CatalogMethods.schema(["jobId": jobID], required: ["jobId"]),
                handler: .async { call in
                    let params: JobParams = try call.decodeParams()
                    let (job, transitions, entries) = try await component.service.status(params.jobId)
                    try await component.authorizeView(call, job)
                    return Self.statusJSON(job, transitions, entries)
                }),
            RPCMethod(
                "job.list", summary: "Jobs, newest first: the signed-in person's (`mine`), an entity's, or in a state.",
                params: CatalogMethods.schema([
                    "entity": ["type": "string"], "state": ["type": "string"], "mine": ["type": "boolean"],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 10000],
                ]),
                handler: .async { call in try await component.list(call) }),
            RPCMethod(
                "job.cancel", summary: "Cancels a job: withdrawn locally when not sent yet, else Dataproc's jobs.cancel is queued.",
                params: CatalogMethods.schema(["jobId": jobID], required: ["jobId"]),
                handler: .async { call in try await component.cancel(call) }),
            RPCMethod(
                "job.watch",
                summary: "Streams job.state notifications {jobId, state, detail, updatedAt} until the job ends; answers with the final job.",
                params: CatalogMethods.schema(["jobId": jobID], required: ["jobId"]),
                handler: .async { call in try await component.watch(call) }),
            RPCMethod(
                "job.logs",
                summary:
                    "The job's driver output as job.logs notifications {jobId, chunk, text}, from chunk `fromChunk` (default 0); with `follow`, new output as the driver writes it until the job ends. Answers {jobId, state, nextChunk, chunks, bytes}: pass nextChunk back to resume.",
                params: CatalogMethods.schema(
                    ["jobId": jobID, "follow": ["type": "boolean"], "fromChunk": ["type": "integer", "minimum": 0]], required: ["jobId"]),
                handler: .async { call in try await component.logs(call) }),
        ]
    }

    static func jobJSON(_ job: JobRecord) -> JSONValue {
        (try? JSONValue(encoding: job)) ?? .null
    }

    static func statusJSON(_ job: JobRecord, _ transitions: [JobTransition], _ entries: [OutboxEntry]) -> JSONValue {
        var members = jobJSON(job).objectValue ?? [:]
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

    /// The notification a watcher gets for each state.
    static func stateNotification(_ job: JobRecord) -> JSONValue {
        [
            "jobId": .string(job.jobId), "state": .string(job.state), "detail": job.detail.map(JSONValue.string) ?? .null,
            "updatedAt": .string(job.updatedAt),
        ]
    }
}

extension JobComponent {
    func submit(_ call: RPCCall) async throws -> JSONValue {
        // Read straight from the params: a Codable round trip of the whole job would cost more than the rest of the call.
        guard let entityText = call.params?["entity"]?.stringValue else {
            throw RPCError.invalidParams("params.entity is required (a string, e.g. component:default/engagement-reports)")
        }
        guard let jobValue = call.params?["job"] else { throw RPCError.invalidParams("params.job is required (a Dataproc Job object)") }
        let spec = try JobSpec(jobValue)
        let entityRef = try EntityRef(parsing: entityText)
        let ref = entityRef.description
        let decision = try await policy.authorize(call, action: JobMethods.submitAction, entity: ref)
        var location = try await locations.location(of: entityRef, snapshotAt: decision.snapshotAt)
        if let cluster = call.params?["cluster"] {
            // Another cluster of the entity's project and region (e.g. one `cluster.create` made for it).
            guard let name = cluster.stringValue, ClusterName.isValid(name) else {
                throw RPCError.invalidParams(
                    "params.cluster must be a Dataproc cluster name (lowercase letters, digits and hyphens, starting with a letter, at most 51)")
            }
            location.cluster = name
        }
        let principal = call.annotations.fields.principal ?? "unknown"
        let summary: JSONValue = [
            "entity": .string(ref), "project": .string(location.project), "region": .string(location.region),
            "cluster": .string(location.cluster), "type": .string(spec.type.rawValue), "job": spec.job,
        ]
        let approval = try await approvals.requireApproval(
            for: call, action: JobMethods.submitAction, entity: ref, decision: decision, summary: summary)
        let (job, work) = service.prepareSubmit(spec, entity: ref, location: location, principal: principal, approvalID: approval?.id)
        call.annotations.update {
            // Committed with this call's audit record: the answer leaves only once both are durable.
            $0.stateChange = work
            $0.detail["jobId"] = .string(job.jobId)
            if let approval { $0.detail["approvalId"] = .string(approval.id) }
        }
        var answer: [String: JSONValue] = [
            "jobId": .string(job.jobId), "state": .string(job.state), "entity": .string(ref),
            "project": .string(location.project), "region": .string(location.region), "cluster": .string(location.cluster),
        ]
        if let approval {
            answer["approvalId"] = .string(approval.id)
            answer["expiresAt"] = .string(approval.expiresAt)
        }
        return .object(answer)
    }

    func list(_ call: RPCCall) async throws -> JSONValue {
        let jobs = try await service.jobs.list(try await policy.workloadListFilter(call, viewAction: "job.view", things: "jobs"))
        return ["jobs": .array(jobs.map(JobMethods.jobJSON)), "count": .int(Int64(jobs.count))]
    }

    func cancel(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable { var jobId: String }
        let params: Params = try call.decodeParams()
        guard let job = try await service.jobs.job(params.jobId) else { throw DataprocError.unknownJob(params.jobId) }
        try await policy.authorize(call, action: "job.cancel", entity: job.entity)
        let work = try service.prepareCancel(job)
        call.annotations.update {
            $0.stateChange = work
            $0.detail["jobId"] = .string(job.jobId)
        }
        let local = JobState.local.contains(job.state)
        return [
            "jobId": .string(job.jobId), "previousState": .string(job.state),
            "cancel": local ? "withdrawn before sending" : "jobs.cancel queued for Dataproc",
        ]
    }

    func authorizeView(_ call: RPCCall, _ job: JobRecord) async throws {
        try await policy.authorize(call, action: "job.view", entity: job.entity)
    }

    func watch(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable { var jobId: String }
        let params: Params = try call.decodeParams()
        // Subscribe before reading, so no change between the read and the first wait is missed.
        let updates = service.events.subscribe(to: params.jobId)
        guard let current = try await service.jobs.job(params.jobId) else { throw DataprocError.unknownJob(params.jobId) }
        try await authorizeView(call, current)
        let watch = StateWatch(
            method: "job.state", notification: JobMethods.stateNotification, changed: { $0.state != $1.state || $0.detail != $1.detail },
            isFinal: { $0.isTerminal })
        if let final = await watch.follow(from: current, updates: updates, notifier: call.notifier) { return JobMethods.jobJSON(final) }
        return JobMethods.jobJSON(try await service.jobs.job(params.jobId) ?? current)
    }
}

extension JobComponent {
    /// `job.logs`: reads the driver output chunks Dataproc wrote for the job (through Cloud Storage,
    /// with the person's token) and sends each as a notification; with `follow`, keeps reading
    /// until the job has ended and its last chunk was sent, or the caller hangs up.
    func logs(_ call: RPCCall) async throws -> JSONValue {
        struct Params: Decodable {
            var jobId: String
            var follow: Bool?
            var fromChunk: Int?
        }
        let params: Params = try call.decodeParams()
        guard var job = try await service.jobs.job(params.jobId) else { throw DataprocError.unknownJob(params.jobId) }
        try await authorizeView(call, job)
        let follow = params.follow ?? false
        let notifier = call.notifier
        var progress = LogsProgress(next: max(params.fromChunk ?? 0, 0))
        // Not at Dataproc yet (queued, waiting for approval): nothing to read until it is sent.
        while JobState.local.contains(job.state) {
            guard follow, notifier.isConnected, !job.isTerminal else { return progress.answer(job) }
            try await Task.sleep(for: logsInterval)
            job = try await service.jobs.job(params.jobId) ?? job
        }
        let jobID = job.jobId
        // Output read before comes from the sealed cache: no second download, and it answers offline.
        for chunk in try await outputCache.chunks(of: jobID, from: progress.next) { progress.send(chunk, of: jobID, to: notifier) }
        // A finished job whose output was read before answers from the cache while Dataproc or
        // Cloud Storage cannot be reached.
        let answersOffline = progress.chunks > 0 && job.isTerminal
        let location: DriverOutputLocation
        do {
            location = try await outputLocation(of: job)
        } catch {
            guard answersOffline, Self.isPassing(error) else { throw error }
            return progress.answer(job, offline: "\(error)")
        }
        if !follow {
            let fresh: [DriverOutputChunk]
            do {
                fresh = try await output.chunks(of: location, from: progress.next)
            } catch {
                guard answersOffline, error.isRetryable else { throw error }
                return progress.answer(job, offline: error.description)
            }
            try? await outputCache.remember(fresh, of: jobID)
            for chunk in fresh { progress.send(chunk, of: jobID, to: notifier) }
            return progress.answer(try await service.jobs.job(jobID) ?? job)
        }
        let jobs = service.jobs
        let cache = outputCache
        let stream = output.follow(location, from: progress.next, interval: logsInterval) {
            try await jobs.job(jobID)?.isTerminal ?? true
        }
        let reading = Task { [progress] in
            var progress = progress
            for try await chunk in stream {
                try? await cache.remember([chunk], of: jobID)
                progress.send(chunk, of: jobID, to: notifier)
            }
            return progress
        }
        // A caller that hangs up ends the read, as for job.watch.
        Task {
            await notifier.waitUntilDisconnected()
            reading.cancel()
        }
        progress = try await withTaskCancellationHandler {
            try await reading.value
        } onCancel: {
            reading.cancel()
        }
        return progress.answer(try await service.jobs.job(jobID) ?? job)
    }
}

extension JobComponent {
    /// True for a failure that may pass (unreachable, no token yet, 5xx, 429).
    fileprivate static func isPassing(_ error: any Error) -> Bool {
        switch error {
        case let error as DataprocError: error.isRetryable
        case let error as DriverOutputError: error.isRetryable
        default: false
        }
    }

    /// Where Dataproc writes the job's driver output: remembered once Dataproc named it.
    fileprivate func outputLocation(of job: JobRecord) async throws -> DriverOutputLocation {
        if let known = try await outputCache.location(of: job.jobId) { return known }
        let remote = try await client.job(job.jobId, at: job.location)
        guard let uri = remote["driverOutputResourceUri"]?.stringValue, let location = DriverOutputLocation(uri: uri) else {
            throw DriverOutputError.noOutputLocation("Dataproc names no gs:// driverOutputResourceUri for job \(job.jobId)")
        }
        try? await outputCache.remember(location, of: job.jobId)
        return location
    }
}

/// How far a `job.logs` call got: the next chunk to read, and what it sent.
private struct LogsProgress: Sendable {
    var next: Int
    var chunks = 0
    var bytes = 0

    /// Sends `chunk` as a `job.logs` notification and moves past it.
    mutating func send(_ chunk: DriverOutputChunk, of jobID: String, to notifier: RPCNotifier) {
        notifier.notify(
            method: "job.logs",
            params: [
                "jobId": .string(jobID), "chunk": .int(Int64(chunk.index)), "text": .string(String(decoding: chunk.data, as: UTF8.self)),
            ])
        next = chunk.index + 1
        chunks += 1
        bytes += chunk.data.count
    }

    /// The method's answer; `offline` says why only cached output was sent.
    func answer(_ job: JobRecord, offline: String? = nil) -> JSONValue {
        var answer: [String: JSONValue] = [
            "jobId": .string(job.jobId), "state": .string(job.state), "nextChunk": .int(Int64(next)), "chunks": .int(Int64(chunks)),
            "bytes": .int(Int64(bytes)),
        ]
        if let offline {
            answer["offline"] = true
            answer["detail"] = .string("cached output only: \(offline)")
        }
        return .object(answer)
    }
}
