import Foundation
import GatehouseCore
import Hummingbird

extension DataprocSandbox {
    /// The workload fields of `Batch` (`pysparkBatch`, `sparkBatch`, …), taken from the discovery document.
    var batchWorkloadFields: [String] {
        let fromSchema = validator.propertyNames(of: "Batch").filter { $0.hasSuffix("Batch") }
        return fromSchema.isEmpty ? ["pysparkBatch", "sparkBatch", "sparkRBatch", "sparkSqlBatch"] : fromSchema.sorted()
    }

    /// Fields of `Batch` only the service sets; a body copied from `batches.get` may carry them.
    static let batchOutputOnlyFields = [
        "name", "uuid", "createTime", "creator", "operation", "runtimeInfo", "state", "stateHistory", "stateMessage", "stateTime",
    ]

    func addBatchRoutes(to router: Router<SandboxRequestContext>) {
        let batches = router.group("v1/projects/{projectId}/locations/{location}")
        batches.post("batches") { request, context in try await self.createBatch(request, context) }
        batches.get("batches") { request, context in try self.listBatches(request, context) }
        batches.get("batches/{batchId}") { request, context in try self.getBatch(request, context) }
        batches.delete("batches/{batchId}") { request, context in try self.deleteBatch(request, context) }
    }

    /// The discovery description of `projects.locations.<resource>.<name>`.
    func locationMethod(_ name: String, of resource: String) -> JSONValue? {
        discovery?.value(at: ["resources", "projects", "resources", "locations", "resources", resource, "methods", name])
    }

    /// Checks the project and location path parameters of a batch route.
    static func batchLocation(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> (project: String, location: String) {
        let project = context.parameters.get("projectId") ?? ""
        let location = context.parameters.get("location") ?? ""
        guard project.range(of: #"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"#, options: .regularExpression) != nil else {
            throw .badRequest("Invalid project id '\(project)': 6 to 30 lowercase letters, digits or hyphens, starting with a letter.")
        }
        guard location.range(of: #"^[a-z]+-[a-z]+[0-9]+$"#, options: .regularExpression) != nil else {
            throw .badRequest("Invalid location '\(location)': Serverless batches run in a region such as europe-west1.")
        }
        return (project, location)
    }

    private func createBatch(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let call = try admit(request, described: locationMethod("create", of: "batches"))
        let (project, location) = try Self.batchLocation(context)
        let requestId = call.query["requestId"]
        try RequestIdRule.check(requestId)
        let batchId = call.query["batchId"]
        if let batchId, batchId.range(of: #"^[a-z0-9-]{4,63}$"#, options: .regularExpression) == nil {
            throw SandboxHTTPError.badRequest("Invalid batchId '\(batchId)': 4 to 63 lowercase letters, digits or hyphens.")
        }
        let body = try validator.normalized(try await JSONResponse.jsonBody(of: request), as: "Batch")
        let workloads = batchWorkloadFields.filter { body[$0] != nil }
        guard workloads.count == 1 else {
            throw SandboxHTTPError.badRequest(
                "Batch must have exactly one workload (one of \(batchWorkloadFields.joined(separator: ", "))); found \(workloads.count).")
        }
        let workload = body[workloads[0]] ?? .null
        if workloads[0] == "pysparkBatch", workload["mainPythonFileUri"]?.stringValue?.isEmpty ?? true {
            throw SandboxHTTPError.badRequest("pysparkBatch.mainPythonFileUri is required.")
        }
        _ = try DataprocClusterRules.checkLabels(body["labels"])
        var sent = body.objectValue ?? [:]
        for field in Self.batchOutputOnlyFields { sent[field] = nil }
        let mainFile =
            workload["mainPythonFileUri"]?.stringValue ?? workload["mainJarFileUri"]?.stringValue ?? workload["mainRFileUri"]?.stringValue ?? ""
        let fails = mainFile.hasSuffix("fail.py") || body.value(at: ["runtimeConfig", "properties", "sandbox.fail"])?.stringValue == "true"
        let now = clock.now
        var candidate = DataprocBatch(
            projectId: project, location: location, batchId: batchId ?? UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            requestId: requestId, uuid: UUID().uuidString.lowercased(), createdAt: now, cancelRequestedAt: nil,
            operationId: UUID().uuidString.lowercased(), creator: call.token.email, submitted: .object(sent), failsOnPurpose: fails)
        let sparkWorkload = SparkWorkload(
            pyspark: body["pysparkBatch"], properties: body.value(at: ["runtimeConfig", "properties"]), outputBucket: DriverOutput.bucket,
            outputPrefix: candidate.driverOutputPrefix)
        if let spark, let sparkWorkload, spark.finds(sparkWorkload) { candidate.realRun = RealRun() }
        switch batches.create(candidate) {
        case .created(let batch):
            if let spark, let sparkWorkload, batch.realRun != nil { runForReal(batch, sparkWorkload, on: spark) }
            return call.respond(batchOperation(of: batch, at: now))
        case .replayed(let batch):
            return call.respond(batchOperation(of: batch, at: now))
        case .batchIdTaken(let id):
            throw SandboxHTTPError.conflict("Already exists: Batch projects/\(project)/locations/\(location)/batches/\(id)")
        }
    }

    private func foundBatch(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> DataprocBatch {
        let (project, location) = try Self.batchLocation(context)
        let batchId = context.parameters.get("batchId") ?? ""
        guard let batch = batches.batch(projectId: project, location: location, batchId: batchId) else {
            throw .notFound("Not found: Batch projects/\(project)/locations/\(location)/batches/\(batchId)")
        }
        return batch
    }

    private func getBatch(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, described: locationMethod("get", of: "batches"))
        return call.respond(try foundBatch(context).resource(at: clock.now, stepSeconds: stepSeconds))
    }

    private func deleteBatch(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, described: locationMethod("delete", of: "batches"))
        let batch = try foundBatch(context)
        let state = batch.state(at: clock.now, stepSeconds: stepSeconds)
        guard DataprocBatch.terminal.contains(state) else {
            throw SandboxHTTPError(
                .badRequest, "Batch \(batch.name) is in state \(state); only CANCELLED, SUCCEEDED or FAILED batches can be deleted.",
                code: "FAILED_PRECONDITION")
        }
        batches.remove(projectId: batch.projectId, location: batch.location, batchId: batch.batchId)
        return call.respond(.object([:]))
    }

    private func listBatches(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, described: locationMethod("list", of: "batches"))
        let (project, location) = try Self.batchLocation(context)
        let filter = try DataprocBatchFilter(call.query["filter"] ?? "")
        let orderBy = (call.query["orderBy"] ?? "").trimmingCharacters(in: .whitespaces)
        guard orderBy.isEmpty || orderBy == "create_time desc" else {
            throw SandboxHTTPError.badRequest("Invalid orderBy '\(orderBy)': the only supported order is create_time desc.")
        }
        let now = clock.now
        // Newest first whether or not the order was asked for: "unspecified" may be any order.
        let matching = batches.all.reversed().filter { batch in
            guard batch.projectId == project, batch.location == location else { return false }
            let labels = (batch.submitted["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            return filter.matches(batch, state: batch.state(at: now, stepSeconds: stepSeconds), labels: labels)
        }
        let page = try PageToken.page(Array(matching), pageToken: call.query["pageToken"], pageSize: call.query["pageSize"])
        var body: [String: JSONValue] = ["batches": .array(page.items.map { $0.resource(at: now, stepSeconds: stepSeconds) })]
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return call.respond(.object(body))
    }

    /// The create operation of `batch` at `now`: done once the batch ends, with the Batch as its
    /// response, or an error when it failed or was cancelled.
    func batchOperation(of batch: DataprocBatch, at now: Date) -> JSONValue {
        let timeline = batch.timeline(at: now, stepSeconds: stepSeconds)
        let current = timeline.last!
        let done = DataprocBatch.terminal.contains(current.state)
        var metadata: [String: JSONValue] = [
            "@type": "type.googleapis.com/google.cloud.dataproc.v1.BatchOperationMetadata",
            "batch": .string(batch.name), "batchUuid": .string(batch.uuid), "createTime": .string(GoogleTime.timestamp(batch.createdAt)),
            "operationType": "BATCH", "description": .string("Batch"), "labels": batch.submitted["labels"] ?? .object([:]), "warnings": [],
        ]
        if done { metadata["doneTime"] = .string(GoogleTime.timestamp(current.start)) }
        var operation: [String: JSONValue] = ["name": .string(batch.operationName), "metadata": .object(metadata), "done": .bool(done)]
        if done {
            let resource = batch.resource(at: now, stepSeconds: stepSeconds)
            switch current.state {
            case "SUCCEEDED":
                var response = resource.objectValue ?? [:]
                response["@type"] = "type.googleapis.com/google.cloud.dataproc.v1.Batch"
                operation["response"] = .object(response)
            case "CANCELLED":
                operation["error"] = ["code": 1, "message": .string(resource["stateMessage"]?.stringValue ?? "Batch was cancelled.")]
            default:
                operation["error"] = ["code": 13, "message": .string(resource["stateMessage"]?.stringValue ?? "Batch failed.")]
            }
        }
        return .object(operation)
    }

    /// Cancels the batch behind a batch operation (`operations.cancel`): CANCELLING now,
    /// CANCELLED a step later; a batch that already ended cannot be cancelled.
    func cancelBatch(of batch: DataprocBatch) throws(SandboxHTTPError) {
        let now = clock.now
        let state = batch.state(at: now, stepSeconds: stepSeconds)
        guard !DataprocBatch.terminal.contains(state), state != "CANCELLING" else {
            throw SandboxHTTPError(.badRequest, "Cannot cancel batch \(batch.name): it is \(state).", code: "FAILED_PRECONDITION")
        }
        _ = batches.update(projectId: batch.projectId, location: batch.location, batchId: batch.batchId) { $0.cancelRequestedAt = now }
        if batch.realRun != nil { spark?.cancel(key: batch.sparkKey) }
    }

    /// Starts the batch's driver on the local Spark; its state follows the process.
    private func runForReal(_ batch: DataprocBatch, _ workload: SparkWorkload, on spark: LocalSparkRunner) {
        let (batches, project, location, batchId) = (batches, batch.projectId, batch.location, batch.batchId)
        spark.start(
            workload, key: batch.sparkKey,
            started: { at in _ = batches.update(projectId: project, location: location, batchId: batchId) { $0.realRun?.startedAt = at } },
            ended: { at, failure in
                _ = batches.update(projectId: project, location: location, batchId: batchId) { batch in
                    batch.realRun?.endedAt = at
                    batch.realRun?.failure = failure
                }
            })
    }
}
