import GatehouseIdentity
import GatehouseRPC

extension IdentityError: RPCErrorConvertible {
    /// The error as RPC callers see it, with a stable reason to branch on.
    public var rpcError: RPCError {
        switch self {
        case .notSignedIn: RPCError(.unauthorized, reason: "not_signed_in", message: description)
        case .offline: RPCError(.upstreamUnavailable, reason: "idp_offline", message: description)
        case .upstreamRejected: RPCError(.upstreamError, reason: "upstream_rejected", message: description)
        case .invalidIDToken: RPCError(.unauthorized, reason: "invalid_id_token", message: description)
        case .notConfigured: RPCError(.conflict, reason: "identity_not_configured", message: description)
        case .loginFailed: RPCError(.unauthorized, reason: "login_failed", message: description)
        case .unknownLogin: RPCError(.notFound, reason: "unknown_login", message: description)
        case .unexpectedResponse: RPCError(.upstreamError, reason: "unexpected_response", message: description)
        case .outOfRange: RPCError(.upstreamError, reason: "upstream_value_out_of_range", message: description)
        case .insecureEndpoint: RPCError(.conflict, reason: "insecure_endpoint", message: description)
        case .unsupportedTokenType: RPCError(.upstreamError, reason: "unsupported_token_type", message: description)
        case .responseTooLarge: RPCError(.upstreamError, reason: "response_too_large", message: description)
        case .refreshBackingOff: RPCError(.upstreamUnavailable, reason: "refresh_backing_off", message: description)
        }
    }
}

extension SealingError: RPCErrorConvertible {
    /// A sealing failure as RPC callers see it.
    public var rpcError: RPCError { RPCError(.conflict, reason: "sealing_key", message: description) }
}
