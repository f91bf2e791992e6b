import Foundation
import GatehouseCore
import Hummingbird

extension DataprocSandbox {
    /// The job-type fields of `Job` (`pysparkJob`, `sparkJob`, …), taken from the discovery document.
    var jobTypeFields: [String] {
        let fromSchema = validator.propertyNames(of: "Job").filter { $0.hasSuffix("Job") }
        return fromSchema.isEmpty
            ? ["hadoopJob", "sparkJob", "pysparkJob", "hiveJob", "pigJob", "sparkRJob", "sparkSqlJob", "prestoJob", "trinoJob", "flinkJob"]
            : fromSchema.sorted()
    }

    func addJobRoutes(to router: Router<SandboxRequestContext>) {
        let jobs = router.group("v1/projects/{projectId}/regions/{region}")
        jobs.post("jobs:submit") { request, context in try await self.submit(request, context) }
        jobs.get("jobs") { request, context in try self.list(request, context) }
        jobs.get("jobs/{jobId}") { request, context in try self.get(request, context) }
        jobs.post("jobs/{jobId}:cancel") { request, context in try await self.cancel(request, context) }
        jobs.delete("jobs/{jobId}") { request, context in try self.delete(request, context) }
    }

    private func submit(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let call = try admit(request, method: "submit")
        let (project, region) = try Self.location(context)
        let body = try validator.normalized(try await JSONResponse.jsonBody(of: request), as: "SubmitJobRequest")
        guard let job = body["job"], job.objectValue != nil else {
            throw SandboxHTTPError.badRequest("Job is required: the body must be {\"job\": {...}}.")
        }
        let requestId = body["requestId"]?.stringValue
        try RequestIdRule.check(requestId)
        guard let cluster = job.value(at: ["placement", "clusterName"])?.stringValue, !cluster.isEmpty else {
            throw SandboxHTTPError.badRequest("Job placement.clusterName is required.")
        }
        let types = jobTypeFields.filter { job[$0] != nil }
        guard types.count == 1 else {
            throw SandboxHTTPError.badRequest(
                "Job must have exactly one job type (one of \(jobTypeFields.joined(separator: ", "))); found \(types.count).")
        }
        if let projectInBody = job.value(at: ["reference", "projectId"])?.stringValue, projectInBody != project {
            throw SandboxHTTPError.badRequest("Job reference.projectId '\(projectInBody)' does not match the project '\(project)' in the URL.")
        }
        let clientJobId = job.value(at: ["reference", "jobId"])?.stringValue
        if let clientJobId, clientJobId.range(of: #"^[a-zA-Z0-9_-]{1,100}$"#, options: .regularExpression) == nil {
            throw SandboxHTTPError.badRequest("Invalid reference.jobId '\(clientJobId)': at most 100 letters, digits, underscores or hyphens.")
        }
        if let earlier = jobs.replayed(projectId: project, region: region, requestId: requestId) {
            return call.respond(earlier.resource(at: clock.now, stepSeconds: stepSeconds))
        }
        let clusterUuid = try clusterUuid(forJobOn: cluster, projectId: project, region: region)
        let typed = job[types[0]] ?? .null
        let mainFile = typed["mainPythonFileUri"]?.stringValue ?? typed["mainJarFileUri"]?.stringValue ?? typed["mainRFileUri"]?.stringValue ?? ""
        let fails = mainFile.hasSuffix("fail.py") || typed.value(at: ["properties", "sandbox.fail"])?.stringValue == "true"
        var candidate = DataprocJob(
            projectId: project, region: region, jobId: clientJobId ?? UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            requestId: requestId, submittedAt: clock.now, cancelledAt: nil, submitted: job,
            jobUuid: UUID().uuidString.lowercased(), clusterUuid: clusterUuid,
            failsOnPurpose: fails)
        let workload = SparkWorkload(
            pyspark: job["pysparkJob"], properties: job.value(at: ["pysparkJob", "properties"]), outputBucket: DriverOutput.bucket,
            outputPrefix: candidate.driverOutputPrefix)
        if let spark, let workload, spark.finds(workload) { candidate.realRun = RealRun() }
        switch jobs.submit(candidate) {
        case .created(let stored):
            if let spark, let workload, stored.realRun != nil { runForReal(stored, workload, on: spark) }
            return call.respond(stored.resource(at: clock.now, stepSeconds: stepSeconds))
        case .replayed(let stored):
            return call.respond(stored.resource(at: clock.now, stepSeconds: stepSeconds))
        case .jobIdTaken(let jobId):
            throw SandboxHTTPError.conflict("Already exists: Failed to submit job: Job projects/\(project)/regions/\(region)/jobs/\(jobId)")
        }
    }

    /// Starts the job's driver on the local Spark; its state follows the process.
    private func runForReal(_ job: DataprocJob, _ workload: SparkWorkload, on spark: LocalSparkRunner) {
        let (jobs, project, region, jobId) = (jobs, job.projectId, job.region, job.jobId)
        spark.start(
            workload, key: job.sparkKey,
            started: { at in _ = jobs.update(projectId: project, region: region, jobId: jobId) { $0.realRun?.startedAt = at } },
            ended: { at, failure in
                _ = jobs.update(projectId: project, region: region, jobId: jobId) { job in
                    job.realRun?.endedAt = at
                    job.realRun?.failure = failure
                }
            })
    }

    private func found(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> DataprocJob {
        let (project, region) = try Self.location(context)
        let jobId = context.parameters.get("jobId") ?? ""
        guard let job = jobs.job(projectId: project, region: region, jobId: jobId) else {
            throw .notFound("Not found: Job projects/\(project)/regions/\(region)/jobs/\(jobId)")
        }
        return job
    }

    private func get(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, method: "get")
        return call.respond(try found(context).resource(at: clock.now, stepSeconds: stepSeconds))
    }

    private func cancel(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let call = try admit(request, method: "cancel")
        let body = try await JSONResponse.body(of: request)
        if !body.isEmpty {
            let value = try JSONDecoder().decode(JSONValue.self, from: body)
            try validator.validate(value, as: "CancelJobRequest")
        }
        let job = try found(context)
        let now = clock.now
        let state = job.state(at: now, stepSeconds: stepSeconds)
        guard !DataprocJob.terminal.contains(state) else {
            throw SandboxHTTPError(
                .badRequest, "Cannot cancel jobId '\(job.jobId)' in projectId '\(job.projectId)': Job is in state \(state)",
                code: "FAILED_PRECONDITION")
        }
        let cancelled = jobs.update(projectId: job.projectId, region: job.region, jobId: job.jobId) { $0.cancelledAt = now } ?? job
        if job.realRun != nil { spark?.cancel(key: job.sparkKey) }
        return call.respond(cancelled.resource(at: now, stepSeconds: stepSeconds))
    }

    private func delete(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, method: "delete")
        let job = try found(context)
        let state = job.state(at: clock.now, stepSeconds: stepSeconds)
        guard DataprocJob.terminal.contains(state) else {
            throw SandboxHTTPError(
                .badRequest, "Job \(job.jobId) is in state \(state); only finished jobs can be deleted.", code: "FAILED_PRECONDITION")
        }
        jobs.remove(projectId: job.projectId, jobId: job.jobId)
        return call.respond(.object([:]))
    }

    private func list(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, method: "list")
        let (project, region) = try Self.location(context)
        let query = call.query
        let filter = try DataprocJobFilter(query["filter"] ?? "")
        let matcher = query["jobStateMatcher"] ?? "ALL"
        let now = clock.now
        let matching = jobs.all.reversed().filter { job in
            guard job.projectId == project, job.region == region else { return false }
            if let cluster = query["clusterName"], job.submitted.value(at: ["placement", "clusterName"])?.stringValue != cluster { return false }
            let active = !DataprocJob.terminal.contains(job.state(at: now, stepSeconds: stepSeconds))
            if matcher == "ACTIVE" && !active || matcher == "NON_ACTIVE" && active { return false }
            return filter.matches(active: active, labels: job.submitted["labels"]?.objectValue ?? [:])
        }
        let page = try PageToken.page(matching, pageToken: query["pageToken"], pageSize: query["pageSize"])
        var body: [String: JSONValue] = ["jobs": .array(page.items.map { $0.resource(at: now, stepSeconds: stepSeconds) })]
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return call.respond(.object(body))
    }
}
