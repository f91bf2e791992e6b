import GatehouseCore
import GatehouseDataproc
import GatehouseRPC

extension DataprocError: RPCErrorConvertible {
    /// The Dataproc failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .invalidSpec(let problems):
            RPCError(
                code: RPCErrorCode.invalidParams.rawValue, message: "Invalid params",
                data: [
                    "reason": "invalid_job_spec", "detail": .string(description), "problems": .array(problems.map { .string($0) }),
                ])
        case .notConfigured(let entity, _): RPCError(.conflict, reason: "not_configured", message: description, extra: ["entity": .string(entity)])
        case .unknownJob(let id): RPCError(.notFound, reason: "unknown_job", message: description, extra: ["jobId": .string(id)])
        case .unknownBatch(let id): RPCError(.notFound, reason: "unknown_batch", message: description, extra: ["batchId": .string(id)])
        case .conflict: RPCError(.conflict, reason: "job_state", message: description)
        case .unreachable: RPCError(.upstreamUnavailable, reason: "upstream_unavailable", message: description)
        case .credentials: RPCError(.unauthorized, reason: "no_credentials", message: description)
        case .upstream(let status, let code, _, _):
            RPCError(
                .upstreamError, reason: "upstream_error", message: description,
                extra: ["status": .int(Int64(status)), "code": code.map { .string($0) } ?? .null])
        case .unexpectedResponse: RPCError(.upstreamError, reason: "upstream_error", message: description)
        case .store: .internalError(reason: "store")
        }
    }
}

extension DriverOutputError: RPCErrorConvertible {
    /// The driver output failure as the caller sees it, with a stable reason.
    public var rpcError: RPCError {
        switch self {
        case .noOutputLocation: RPCError(.conflict, reason: "no_output", message: description)
        case .unreachable: RPCError(.upstreamUnavailable, reason: "upstream_unavailable", message: description)
        case .credentials: RPCError(.unauthorized, reason: "no_credentials", message: description)
        case .upstream(let status, _):
            RPCError(.upstreamError, reason: "upstream_error", message: description, extra: ["status": .int(Int64(status))])
        case .unexpectedResponse: RPCError(.upstreamError, reason: "upstream_error", message: description)
        }
    }
}
