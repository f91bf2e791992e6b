import Foundation
import GatehouseCore
import Hummingbird

extension DataprocSandbox {
    func addClusterRoutes(to router: Router<SandboxRequestContext>) {
        let clusters = router.group("v1/projects/{projectId}/regions/{region}")
        clusters.post("clusters") { request, context in try await self.createCluster(request, context) }
        clusters.get("clusters") { request, context in try self.listClusters(request, context) }
        clusters.get("clusters/{clusterName}") { request, context in try self.getCluster(request, context) }
        clusters.patch("clusters/{clusterName}") { request, context in try await self.patchCluster(request, context) }
        clusters.delete("clusters/{clusterName}") { request, context in try self.deleteCluster(request, context) }
    }

    private func createCluster(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let call = try admit(request, resource: "clusters", method: "create")
        let (project, region) = try Self.location(context)
        let requestId = call.query["requestId"]
        try RequestIdRule.check(requestId)
        let body = try validator.normalized(try await JSONResponse.jsonBody(of: request), as: "Cluster")
        let now = clock.now
        let cluster = try DataprocCluster(creating: body, projectId: project, region: region, requestId: requestId, now: now)
        let operation = try clusters.create(cluster, at: now)
        return call.respond(clusters.resource(of: operation, at: now))
    }

    private func existing(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> DataprocClusterStore.Observed {
        let (project, region) = try Self.location(context)
        let name = context.parameters.get("clusterName") ?? ""
        guard let observed = clusters.live(projectId: project, region: region, name: name, at: clock.now) else {
            throw .notFound("Not found: Cluster projects/\(project)/regions/\(region)/clusters/\(name)")
        }
        return observed
    }

    private func getCluster(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "clusters", method: "get")
        let observed = try existing(context)
        return call.respond(observed.cluster.resource(observed.snapshot))
    }

    private func listClusters(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "clusters", method: "list")
        let (project, region) = try Self.location(context)
        let filter = try DataprocClusterFilter(call.query["filter"] ?? "")
        let now = clock.now
        let matching = clusters.all.compactMap { cluster -> DataprocClusterStore.Observed? in
            guard cluster.projectId == project, cluster.region == region else { return nil }
            let observed = clusters.observe(cluster, at: now)
            guard let state = observed.snapshot.state, filter.matches(state: state, name: cluster.clusterName, labels: cluster.shownLabels) else {
                return nil
            }
            return observed
        }
        let page = try PageToken.page(matching, pageToken: call.query["pageToken"], pageSize: call.query["pageSize"])
        var body: [String: JSONValue] = ["clusters": .array(page.items.map { $0.cluster.resource($0.snapshot) })]
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return call.respond(.object(body))
    }

    private func patchCluster(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let call = try admit(request, resource: "clusters", method: "patch")
        let (project, region) = try Self.location(context)
        let requestId = call.query["requestId"]
        try RequestIdRule.check(requestId)
        let body = try validator.normalized(try await JSONResponse.jsonBody(of: request), as: "Cluster")
        let patch = try ClusterPatch(updateMask: call.query["updateMask"], body: body)
        let now = clock.now
        let name = context.parameters.get("clusterName") ?? ""
        let operation = try clusters.patch(projectId: project, region: region, name: name, requestId: requestId, at: now, patch)
        return call.respond(clusters.resource(of: operation, at: now))
    }

    private func deleteCluster(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "clusters", method: "delete")
        let (project, region) = try Self.location(context)
        let requestId = call.query["requestId"]
        try RequestIdRule.check(requestId)
        if let timeout = call.query["gracefulTerminationTimeout"], GoogleTime.seconds(fromDuration: timeout) == nil {
            throw SandboxHTTPError.badRequest("Invalid gracefulTerminationTimeout '\(timeout)': use a duration in seconds such as \"600s\".")
        }
        let now = clock.now
        let operation = try clusters.delete(
            projectId: project, region: region, name: context.parameters.get("clusterName") ?? "",
            clusterUuid: call.query["clusterUuid"], requestId: requestId, at: now)
        return call.respond(clusters.resource(of: operation, at: now))
    }

    /// How a job's `placement.clusterName` resolves: names never created in the sandbox keep the
    /// original behaviour (any name is accepted, with a uuid derived from it) so tests that never
    /// create clusters keep working; a name that was created must be RUNNING now (404 once gone,
    /// 400 `FAILED_PRECONDITION` while creating or deleting), as on the real service.
    func clusterUuid(forJobOn name: String, projectId: String, region: String) throws(SandboxHTTPError) -> String {
        guard clusters.wasCreated(projectId: projectId, region: region, name: name) else {
            return CatalogEntity.deterministicUUID(for: "\(projectId)/\(region)/\(name)")
        }
        guard let observed = clusters.live(projectId: projectId, region: region, name: name, at: clock.now) else {
            throw .notFound("Not found: Cluster projects/\(projectId)/regions/\(region)/clusters/\(name)")
        }
        guard observed.snapshot.state == "RUNNING" else {
            throw SandboxHTTPError(
                .badRequest,
                "Cluster \(observed.cluster.resourceName) is \(observed.snapshot.state ?? "gone"); jobs can only be submitted to a RUNNING cluster.",
                code: "FAILED_PRECONDITION")
        }
        return observed.cluster.clusterUuid
    }
}
