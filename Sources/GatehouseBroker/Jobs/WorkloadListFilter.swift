import GatehouseDataproc
import GatehouseRPC

extension PolicyGate {
    /// The filter of a `job.list` or `batch.list` call (`entity`, `state`, `mine`, `limit` 1…10,000,
    /// default 100), narrowed by `listScope`.
    func workloadListFilter(_ call: RPCCall, viewAction: String, things: String) async throws -> JobStore.Filter {
        struct Params: Decodable {
            var entity: String?
            var state: String?
            var mine: Bool?
            var limit: Int?
        }
        let params: Params = try call.decodeParams()
        var filter = JobStore.Filter(state: params.state, limit: min(max(params.limit ?? 100, 1), 10_000))
        (filter.entity, filter.principal) = try await listScope(
            call, entity: params.entity, mine: params.mine, viewAction: viewAction, things: things)
        return filter
    }
}
