import GatehouseIdentity
import GatehouseRPC

extension IdentityError: RPCErrorConvertible {
    /// The error as RPC callers see it, with a stable reason to branch on.
    public var rpcError: RPCError {
        let (code, reason): (RPCErrorCode, String) =
            switch self {
            case .notSignedIn: (.unauthorized, "not_signed_in")
            case .offline: (.upstreamUnavailable, "idp_offline")
            case .upstreamRejected: (.upstreamError, "upstream_rejected")
            case .invalidIDToken: (.unauthorized, "invalid_id_token")
            case .notConfigured: (.conflict, "identity_not_configured")
            case .loginFailed: (.unauthorized, "login_failed")
            case .unknownLogin: (.notFound, "unknown_login")
            case .unexpectedResponse: (.upstreamError, "unexpected_response")
            case .outOfRange: (.upstreamError, "upstream_value_out_of_range")
            case .insecureEndpoint: (.conflict, "insecure_endpoint")
            case .unsupportedTokenType: (.upstreamError, "unsupported_token_type")
            case .responseTooLarge: (.upstreamError, "response_too_large")
            case .refreshBackingOff: (.upstreamUnavailable, "refresh_backing_off")
            }
        return RPCError(code, reason: reason, message: description)
    }
}

extension SealingError: RPCErrorConvertible {
    /// A sealing failure as RPC callers see it.
    public var rpcError: RPCError { RPCError(.conflict, reason: "sealing_key", message: description) }
}
