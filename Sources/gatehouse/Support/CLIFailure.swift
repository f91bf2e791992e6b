import GatehouseCore
import GatehouseRPC

/// A failure the CLI reports with a message and one of its documented exit codes (`ExitCode`);
/// when it came from the daemon it keeps the JSON-RPC error for `--json`.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    let code: ExitCode
    /// The daemon's error, or one made here with a `data.reason` (`usage`, `daemon_unreachable`, …).
    let rpc: RPCError

    var description: String { message }

    init(_ message: String, code: ExitCode = .error, reason: String? = nil, extra: [String: JSONValue] = [:]) {
        self.message = message
        self.code = code
        var data = extra
        data["reason"] = .string(reason ?? Self.localReason(code))
        self.rpc = RPCError(code: Self.rpcCode(code), message: message, data: .object(data))
    }

    init(_ message: String, code: ExitCode, rpc: RPCError) {
        self.message = message
        self.code = code
        self.rpc = rpc
    }

    /// The CLI's reading of a client error: each JSON-RPC code and `data.reason` to one exit code.
    init(_ error: RPCClientError) {
        switch error {
        case .unreachable:
            self.init(error.description, code: .unreachable, reason: "daemon_unreachable")
        case .rpc(let rpc):
            self.init(error.description, code: Self.exitCode(rpc), rpc: rpc)
        case .timedOut:
            self.init(error.description, code: .error, reason: "timed_out")
        case .protocolViolation:
            self.init(error.description, code: .error, reason: "protocol_violation")
        }
    }

    /// The one mapping from a daemon error to an exit code.
    static func exitCode(_ rpc: RPCError) -> ExitCode {
        switch RPCErrorCode(rawValue: rpc.code) {
        case .invalidParams?, .methodNotFound?, .parseError?, .invalidRequest?: .usage
        case .notFound?: .notFound
        case .pendingApproval?: .awaitingApproval
        case .unauthorized?:
            ["peer_uid_not_allowed"].contains(rpc.reason ?? "") ? .denied : (rpc.reason == "identity_not_configured" ? .error : .signIn)
        case .denied?:
            switch rpc.reason {
            // An extension past the maximum is a value out of range, not a refusal by policy.
            case "limit"?: .usage
            default: rpc.data?["rule"] == "unknown-entity" ? .notFound : .denied
            }
        default: .error
        }
    }

    private static func localReason(_ code: ExitCode) -> String {
        switch code {
        case .usage: "usage"
        case .unreachable: "daemon_unreachable"
        case .denied: "denied"
        case .signIn: "not_signed_in"
        case .notFound: "not_found"
        case .awaitingApproval: "pending_approval"
        case .ok, .error: "error"
        }
    }

    private static func rpcCode(_ code: ExitCode) -> Int {
        let mapped: RPCErrorCode =
            switch code {
            case .usage: .invalidParams
            case .unreachable: .upstreamUnavailable
            case .denied: .denied
            case .signIn: .unauthorized
            case .notFound: .notFound
            case .awaitingApproval: .pendingApproval
            case .ok, .error: .internalError
            }
        return mapped.rawValue
    }

    /// The `--json` form of this failure: the JSON-RPC error object and the exit code.
    var json: JSONValue {
        var error: [String: JSONValue] = ["code": .int(Int64(rpc.code)), "message": .string(rpc.message)]
        if let data = rpc.data { error["data"] = data }
        return ["error": .object(error), "exitCode": .int(Int64(code.rawValue))]
    }
}
