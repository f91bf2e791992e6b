import Foundation
import GatehouseCore
import Hummingbird
import Synchronization

/// The sandbox's admin HTTP API (its own port), for tests and the demo:
///
/// - `GET  /admin/urls` → `{backstage, looker, dataproc, sts, iamcredentials, oidc, admin}`
/// - `GET  /admin/routes` → `{routes: [{upstream, method, path}]}`, every route of every upstream's router
/// - `GET  /admin/faults` → `{<upstream>: [fault]}`
/// - `POST /admin/faults/{upstream}` body `{"kind": "status", "status": 503, "count": 2}` (see `SandboxFault`) → the upstream's faults
/// - `DELETE /admin/faults/{upstream}[?kind=K]`, `DELETE /admin/faults` → clears (a downed listener comes back on its port)
/// - `GET  /admin/clock` → `{now, mode}`; `POST /admin/clock/advance` body `{"seconds": N}` → `{now, mode}`
/// - `GET  /admin/dataproc/jobs` → `{jobs: [{projectId, region, jobId, requestId, state, submittedAt, job}]}`
/// - `GET  /admin/dataproc/clusters` → `{clusters: [{projectId, region, clusterName, clusterUuid, state, createdAt, requestId,
///   labels, lifecycleConfig, deletion: {start, reason}|null, cluster}]}`, deleted clusters included (state `DELETED`)
/// - `GET  /admin/dataproc/batches` → `{batches: [{projectId, location, batchId, requestId, state, batch}]}` (deleted ones left out)
/// - `GET  /admin/dataproc/operations` → `{operations: [Operation]}`, the cluster operations, oldest first
/// - `GET  /admin/requests[?upstream=U&limit=N]` → `{requests: [{upstream, method, path, status, time, sandboxTime, fault}]}`
/// - `POST /admin/tokens` body `{subject?, email?, scopes?, lifetimeSeconds?}` → `{access_token, token_type, expires_in}` (accepted by Dataproc)
/// - `POST /admin/reset` → clears faults, jobs, clusters, batches, operations, sessions, minted tokens and the request log
final class SandboxAdminAPI: Sendable {
    private struct WeakSandbox: @unchecked Sendable {
        weak var value: Sandbox?
    }

    private let target = Mutex(WeakSandbox())

    func attach(_ sandbox: Sandbox) { target.withLock { $0.value = sandbox } }

    private func sandbox() throws(SandboxHTTPError) -> Sandbox {
        guard let sandbox = target.withLock({ $0.value }) else { throw SandboxHTTPError(.serviceUnavailable, "The sandbox is shutting down.") }
        return sandbox
    }

    private static func upstream(_ context: SandboxRequestContext) throws(SandboxHTTPError) -> SandboxUpstream {
        let name = context.parameters.get("upstream") ?? ""
        guard let upstream = SandboxUpstream(rawValue: name), upstream != .admin else {
            throw .badRequest("Unknown upstream '\(name)'; use one of \(SandboxUpstream.faultable.map(\.rawValue).joined(separator: ", ")).")
        }
        return upstream
    }

    private static func encoded(_ value: some Encodable) throws -> Response {
        JSONResponse.make(try JSONValue(encoding: value))
    }

    private func faultsBody(_ sandbox: Sandbox) throws -> Response {
        var all: [String: [SandboxFault]] = [:]
        for upstream in SandboxUpstream.faultable { all[upstream.rawValue] = sandbox.faults.active(on: upstream) }
        return try Self.encoded(all)
    }

    private func clockBody(_ sandbox: Sandbox) -> Response {
        JSONResponse.make(["now": .string(GoogleTime.timestamp(sandbox.clock.now)), "mode": .string(sandbox.clock.mode.rawValue)])
    }

    func addRoutes(to router: Router<SandboxRequestContext>) {
        let admin = router.group("admin")
        admin.get("urls") { _, _ in JSONResponse.make(.object(try self.sandbox().urls.mapValues { .string($0) })) }
        admin.get("routes") { _, _ in try Self.encoded(["routes": try self.sandbox().routes]) }
        admin.get("faults") { _, _ in try self.faultsBody(try self.sandbox()) }
        admin.post("faults/{upstream}") { request, context in
            let sandbox = try self.sandbox()
            let upstream = try Self.upstream(context)
            let body = try await JSONResponse.body(of: request)
            let fault: SandboxFault
            do { fault = try JSONDecoder().decode(SandboxFault.self, from: body) } catch {
                throw SandboxHTTPError.badRequest(
                    "Body must be a fault such as {\"kind\":\"status\",\"status\":503,\"count\":2}; kinds: \(SandboxFault.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            try await sandbox.setFault(fault, on: upstream)
            return try Self.encoded(sandbox.faults.active(on: upstream))
        }
        admin.delete("faults/{upstream}") { request, context in
            let sandbox = try self.sandbox()
            let upstream = try Self.upstream(context)
            var kind: SandboxFault.Kind?
            if let text = request.sandboxQueryItems.last(where: { $0.name == "kind" })?.value {
                guard let parsed = SandboxFault.Kind(rawValue: text) else { throw SandboxHTTPError.badRequest("Unknown fault kind '\(text)'.") }
                kind = parsed
            }
            try await sandbox.clearFaults(on: upstream, kind: kind)
            return try Self.encoded(sandbox.faults.active(on: upstream))
        }
        admin.delete("faults") { _, _ in
            let sandbox = try self.sandbox()
            for upstream in SandboxUpstream.faultable { try await sandbox.clearFaults(on: upstream) }
            return try self.faultsBody(sandbox)
        }
        admin.get("clock") { _, _ in self.clockBody(try self.sandbox()) }
        admin.post("clock/advance") { request, _ in
            let sandbox = try self.sandbox()
            let body = try await JSONResponse.jsonBody(of: request)
            guard let seconds = body["seconds"]?.doubleValue, seconds >= 0 else {
                throw SandboxHTTPError.badRequest("Body must be {\"seconds\": N} with N ≥ 0.")
            }
            sandbox.clock.advance(by: seconds)
            return self.clockBody(sandbox)
        }
        admin.get("dataproc/jobs") { _, _ in
            let sandbox = try self.sandbox()
            let now = sandbox.clock.now
            let step = sandbox.dataproc.stepSeconds
            let jobs: [JSONValue] = sandbox.dataproc.jobs.all.map { job in
                [
                    "projectId": .string(job.projectId), "region": .string(job.region), "jobId": .string(job.jobId),
                    "requestId": job.requestId.map { .string($0) } ?? .null, "state": .string(job.state(at: now, stepSeconds: step)),
                    "submittedAt": .string(GoogleTime.timestamp(job.submittedAt)), "job": job.resource(at: now, stepSeconds: step),
                ]
            }
            return JSONResponse.make(["jobs": .array(jobs)])
        }
        admin.get("dataproc/clusters") { _, _ in
            let dataproc = try self.sandbox().dataproc
            return JSONResponse.make(["clusters": .array(dataproc.clusters.all.map(dataproc.adminRecord(of:)))])
        }
        admin.get("dataproc/batches") { _, _ in
            let dataproc = try self.sandbox().dataproc
            let now = dataproc.clock.now
            let batches: [JSONValue] = dataproc.batches.all.map { batch in
                [
                    "projectId": .string(batch.projectId), "location": .string(batch.location), "batchId": .string(batch.batchId),
                    "requestId": batch.requestId.map { .string($0) } ?? .null,
                    "state": .string(batch.state(at: now, stepSeconds: dataproc.stepSeconds)),
                    "batch": batch.resource(at: now, stepSeconds: dataproc.stepSeconds),
                ]
            }
            return JSONResponse.make(["batches": .array(batches)])
        }
        admin.get("dataproc/operations") { _, _ in
            let dataproc = try self.sandbox().dataproc
            let now = dataproc.clock.now
            return JSONResponse.make(["operations": .array(dataproc.clusters.operations.map { dataproc.clusters.resource(of: $0, at: now) })])
        }
        admin.get("requests") { request, _ in
            let sandbox = try self.sandbox()
            let items = Dictionary(request.sandboxQueryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            var upstream: SandboxUpstream?
            if let name = items["upstream"] {
                guard let parsed = SandboxUpstream(rawValue: name) else { throw SandboxHTTPError.badRequest("Unknown upstream '\(name)'.") }
                upstream = parsed
            }
            let limit = items["limit"].flatMap(Int.init) ?? 1000
            return try Self.encoded(["requests": sandbox.requestLog.recent(upstream: upstream, limit: limit)])
        }
        admin.post("tokens") { request, _ in
            let sandbox = try self.sandbox()
            let data = try await JSONResponse.body(of: request)
            let body = data.isEmpty ? JSONValue.object([:]) : try JSONResponse.json(from: data)
            let scopes = body["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [SandboxAccessToken.cloudPlatformScope]
            let lifetime = body["lifetimeSeconds"]?.doubleValue ?? 3600
            let token = sandbox.issueAccessToken(
                subject: body["subject"]?.stringValue ?? "alice", email: body["email"]?.stringValue ?? "alice@example.com", scopes: scopes,
                lifetime: lifetime)
            return JSONResponse.make(["access_token": .string(token.token), "token_type": "Bearer", "expires_in": .int(Int64(lifetime))])
        }
        admin.post("reset") { _, _ in
            try await self.sandbox().reset()
            return JSONResponse.make(["reset": true])
        }
    }
}

/// Renders admin errors as `{error: message}`.
struct AdminErrorMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SandboxHTTPError {
            return UpstreamErrorStyle.admin.response(for: error, request: request)
        } catch let error as HTTPError {
            return UpstreamErrorStyle.admin.response(for: SandboxHTTPError(error.status, error.body ?? error.status.reasonPhrase), request: request)
        }
    }
}
