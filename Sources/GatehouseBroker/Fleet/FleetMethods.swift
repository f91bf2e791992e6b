import Foundation
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseIdentity
import GatehouseRPC

/// `fleet.audit.query` and `fleet.verify`: auditors' questions to the collector, asked with the
/// signed-in person's ID token (the collector decides who is an auditor, and keeps each request).
struct FleetMethods {
    let collector: CollectorClient?
    let idToken: @Sendable () async throws -> String

    private struct VerifyParams: Decodable { var host: String }

    var all: [RPCMethod] {
        [
            RPCMethod(
                "fleet.audit.query", summary: "Every host's audit records at the fleet collector matching filters, paged by cursor (auditors only).",
                params: [
                    "type": "object",
                    "properties": [
                        "since": ["type": "string"], "until": ["type": "string"], "principal": ["type": "string"], "host": ["type": "string"],
                        "method": ["type": "string"], "entity": ["type": "string"],
                        "decision": ["enum": ["allow", "deny", "pending", "none"]], "outcome": ["enum": ["ok", "error"]],
                        "cursor": ["type": "string"], "limit": ["type": "integer", "minimum": 1, "maximum": .int(Int64(FleetQuery.maxLimit))],
                    ],
                    "additionalProperties": false,
                ],
                handler: .async { call in
                    let query: FleetQuery = try call.decodeParams()
                    let client = try configured()
                    return try JSONValue(encoding: try await client.query(query, idToken: try await idToken()))
                }),
            RPCMethod(
                "fleet.verify", summary: "The collector re-verifies a host's whole stored chain against its cosigned checkpoint (auditors only).",
                params: ["type": "object", "properties": ["host": ["type": "string"]], "required": ["host"], "additionalProperties": false],
                handler: .async { call in
                    let params: VerifyParams = try call.decodeParams()
                    let client = try configured()
                    return try JSONValue(encoding: try await client.verify(hostID: params.host, idToken: try await idToken()))
                }),
        ]
    }

    private func configured() throws(RPCError) -> CollectorClient {
        guard let collector else {
            throw RPCError(.conflict, reason: "fleet_not_configured", message: "no fleet collector: set fleet.collector_url")
        }
        return collector
    }
}

extension CollectorClientError: RPCErrorConvertible {
    /// The collector's refusal as RPC callers see it; its kind is the reason.
    public var rpcError: RPCError {
        switch self {
        case .refused(let status, let detail):
            let code: RPCErrorCode =
                switch status {
                case 401: .unauthorized
                case 403: .denied
                case 404: .notFound
                case 400: .invalidParams
                default: .upstreamError
                }
            if code == .invalidParams { return RPCError.invalidParams(detail.message) }
            return RPCError(code, reason: detail.kind, message: "fleet collector: \(detail.message)")
        case .unreadable(let reason): return RPCError(.upstreamError, reason: "collector_unreadable", message: reason)
        }
    }
}
