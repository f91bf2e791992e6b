import GatehouseCore
import GatehouseRPC

extension IdentityComponent {
    /// What `auth.*` and `token.get` answer, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let principal = S.object(
            ["subject": S.string, "issuer": S.string, "email": S.string, "name": S.string, "groups": S.array(S.string)],
            required: ["subject", "issuer", "groups"])
        let notConfigured = RPCErrorDescription(.unauthorized, "identity_not_configured", "Sign-in is not configured: set identity.issuer")
        let upstream = [
            RPCErrorDescription(.upstreamUnavailable, "idp_offline", "The IdP cannot be reached"),
            RPCErrorDescription(.upstreamError, "upstream_rejected", "The IdP, STS or IAM Credentials refused the request"),
            RPCErrorDescription(.upstreamError, "unexpected_response", "An upstream answered something that is not its protocol"),
            RPCErrorDescription(.upstreamError, "response_too_large", "An upstream's answer exceeded its size limit"),
            RPCErrorDescription(
                .upstreamError, "upstream_value_out_of_range", "An upstream sent a number outside what Gatehouse accepts (e.g. a lifetime)"),
            RPCErrorDescription(.conflict, "insecure_endpoint", "An IdP endpoint is plain http on a non-loopback host"),
            RPCErrorDescription(.conflict, "sealing_key", "The sealing key is missing or does not open the stored tokens"),
        ]
        return [
            RPCResultDescription(
                "auth.login.start",
                result: S.object(
                    [
                        "id": S.string, "method": S.oneOf(["loopback", "device"]), "url": S.string, "userCode": S.string,
                        "verificationURIComplete": S.string, "expiresAt": S.string, "warning": S.string, "browserURL": S.string,
                    ], required: ["id", "method", "url", "expiresAt"]), errors: [notConfigured] + upstream),
            RPCResultDescription(
                "auth.login.status",
                result: S.object(
                    [
                        "state": S.oneOf(["pending", "signed_in", "failed"]), "principal": principal, "error": S.string,
                        "ignoredCallbacks": S.integer,
                    ], required: ["state"]),
                errors: [
                    notConfigured, RPCErrorDescription(.notFound, "unknown_login", "No sign-in with this id (it ended or never started)"),
                ]),
            RPCResultDescription(
                "auth.status",
                result: S.object(
                    [
                        "signedIn": S.boolean, "configured": S.boolean, "principal": principal, "offline": S.boolean, "summary": S.string,
                        "tokens": S.array(
                            S.object(
                                ["audience": S.string, "scopes": S.string, "expiresAt": S.string, "chain": S.string],
                                required: ["audience", "expiresAt"])),
                        "validUntil": S.string, "lastError": S.string, "refreshFailures": S.integer, "nextRefreshAttempt": S.string,
                    ], required: ["signedIn", "summary"]), errors: upstream),
            RPCResultDescription("auth.logout", result: S.record(["revoked": S.boolean]), errors: [notConfigured] + upstream),
            RPCResultDescription(
                "token.get",
                result: S.object(
                    [
                        "token": S.string, "tokenType": S.string, "expiresAt": S.time, "expiresAtUnix": S.integer,
                        "chain": S.array(S.string), "fingerprint": S.string,
                    ], required: ["token", "tokenType", "expiresAt", "expiresAtUnix", "chain", "fingerprint"]),
                errors: [
                    notConfigured,
                    RPCErrorDescription(.denied, "token_owner_only", "Tokens are handed only to the daemon's own uid"),
                    RPCErrorDescription(.unauthorized, "not_signed_in", "Nobody is signed in: gatehouse login"),
                    RPCErrorDescription(
                        .conflict, "not_configured", "The audience is not set up (looker: looker.people is service, or no Looker configured)"),
                    RPCErrorDescription(.unauthorized, "invalid_id_token", "The IdP's ID token did not verify"),
                    RPCErrorDescription(
                        .upstreamUnavailable, "refresh_backing_off", "Refreshes failed; the next attempt waits (auth status says when)"),
                    RPCErrorDescription(.upstreamError, "unsupported_token_type", "STS or the IdP issued a token type Gatehouse does not use"),
                ] + upstream),
        ]
    }
}
