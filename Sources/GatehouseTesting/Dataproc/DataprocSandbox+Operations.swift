import Foundation
import GatehouseCore
import Hummingbird

extension DataprocSandbox {
    func addOperationRoutes(to router: Router<SandboxRequestContext>) {
        let operations = router.group("v1/projects/{projectId}/regions/{region}")
        operations.get("operations") { request, context in try self.listOperations(request, context) }
        operations.get("operations/{operationId}") { request, context in try self.getOperation(request, context) }
        operations.post("operations/{operationId}:cancel") { request, context in try self.cancelOperation(request, context) }
    }

    private func getOperation(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "operations", method: "get")
        let (project, region) = try Self.location(context)
        let id = context.parameters.get("operationId") ?? ""
        let now = clock.now
        if let operation = clusters.operation(projectId: project, region: region, id: id) {
            return call.respond(clusters.resource(of: operation, at: now))
        }
        if let batch = batches.batch(operationId: id, projectId: project, location: region) {
            return call.respond(batchOperation(of: batch, at: now))
        }
        throw SandboxHTTPError.notFound("Not found: Operation projects/\(project)/regions/\(region)/operations/\(id)")
    }

    /// `operations.cancel`: a batch operation cancels its batch; cluster operations run to the end
    /// in the sandbox, so cancelling one is refused rather than pretended.
    private func cancelOperation(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "operations", method: "cancel")
        let (project, region) = try Self.location(context)
        let id = context.parameters.get("operationId") ?? ""
        if let batch = batches.batch(operationId: id, projectId: project, location: region) {
            try cancelBatch(of: batch)
            return call.respond(.object([:]))
        }
        if clusters.operation(projectId: project, region: region, id: id) != nil {
            throw SandboxHTTPError(
                .badRequest, "The sandbox does not cancel cluster operations; delete the cluster instead.", code: "FAILED_PRECONDITION")
        }
        throw SandboxHTTPError.notFound("Not found: Operation projects/\(project)/regions/\(region)/operations/\(id)")
    }

    /// `operations.list`, newest first, cluster and batch operations together; `filter` takes
    /// `clusterName`, `clusterUuid` and `operationType` clauses (the discovery document only calls
    /// it "the standard list filter"; batch operations have operationType BATCH).
    private func listOperations(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "operations", method: "list")
        let (project, region) = try Self.location(context)
        let clauses = try DataprocFilter(call.query["filter"] ?? "", implicitAnd: true).clauses
        for clause in clauses where !["clusterName", "clusterUuid", "operationType"].contains(clause.field) {
            throw SandboxHTTPError.badRequest("Invalid filter field '\(clause.field)': use clusterName, clusterUuid or operationType.")
        }
        let now = clock.now
        var listed: [(start: Date, resource: () -> JSONValue)] = clusters.operations.filter { operation in
            guard operation.projectId == project, operation.region == region else { return false }
            return clauses.allSatisfy { clause in
                switch clause.field {
                case "clusterName": operation.clusterName == clause.value
                case "clusterUuid": operation.clusterUuid == clause.value
                default: operation.kind.rawValue == clause.value
                }
            }
        }.map { operation in (operation.startedAt, { self.clusters.resource(of: operation, at: now) }) }
        if clauses.allSatisfy({ $0.field == "operationType" && $0.value == "BATCH" }) {
            listed += batches.everCreated.filter { $0.projectId == project && $0.location == region }
                .map { batch in (batch.createdAt, { self.batchOperation(of: batch, at: now) }) }
        }
        // Newest first; among equal times the later-made first, as a stable reverse of creation.
        let ordered = listed.enumerated().sorted { ($0.element.start, $0.offset) > ($1.element.start, $1.offset) }.map(\.element)
        let page = try PageToken.page(ordered, pageToken: call.query["pageToken"], pageSize: call.query["pageSize"])
        var body: [String: JSONValue] = ["operations": .array(page.items.map { $0.resource() })]
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return call.respond(.object(body))
    }
}
