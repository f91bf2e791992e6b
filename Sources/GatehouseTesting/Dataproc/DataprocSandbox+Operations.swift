import Foundation
import GatehouseCore
import Hummingbird

extension DataprocSandbox {
    func addOperationRoutes(to router: Router<SandboxRequestContext>) {
        let operations = router.group("v1/projects/{projectId}/regions/{region}")
        operations.get("operations") { request, context in try self.listOperations(request, context) }
        operations.get("operations/{operationId}") { request, context in try self.getOperation(request, context) }
    }

    private func getOperation(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try admit(request, resource: "operations", method: "get")
        let (project, region) = try Self.location(context)
        let id = context.parameters.get("operationId") ?? ""
        guard let operation = clusters.operation(projectId: project, region: region, id: id) else {
            throw SandboxHTTPError.notFound("Not found: Operation projects/\(project)/regions/\(region)/operations/\(id)")
        }
        return JSONResponse.make(clusters.resource(of: operation, at: clock.now))
    }

    /// `operations.list`, newest first; `filter` takes `clusterName`, `clusterUuid` and
    /// `operationType` clauses (the discovery document only calls it "the standard list filter").
    private func listOperations(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let call = try admit(request, resource: "operations", method: "list")
        let (project, region) = try Self.location(context)
        let clauses = try DataprocFilter(call.query["filter"] ?? "", implicitAnd: true).clauses
        for clause in clauses where !["clusterName", "clusterUuid", "operationType"].contains(clause.field) {
            throw SandboxHTTPError.badRequest("Invalid filter field '\(clause.field)': use clusterName, clusterUuid or operationType.")
        }
        let matching = clusters.operations.reversed().filter { operation in
            guard operation.projectId == project, operation.region == region else { return false }
            return clauses.allSatisfy { clause in
                switch clause.field {
                case "clusterName": operation.clusterName == clause.value
                case "clusterUuid": operation.clusterUuid == clause.value
                default: operation.kind.rawValue == clause.value
                }
            }
        }
        let page = try PageToken.page(Array(matching), pageToken: call.query["pageToken"], pageSize: call.query["pageSize"])
        let now = clock.now
        var body: [String: JSONValue] = ["operations": .array(page.items.map { clusters.resource(of: $0, at: now) })]
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return JSONResponse.make(.object(body))
    }
}
