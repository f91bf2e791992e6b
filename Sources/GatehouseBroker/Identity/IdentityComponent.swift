import Foundation
import GatehouseAudit
import GatehouseCore
import GatehouseIdentity
import GatehousePeer
import GatehouseRPC
import GatehouseStore
import Logging

/// Sign-in and tokens over RPC: `auth.login.start`, `auth.login.status`, `auth.status`,
/// `auth.logout` and `token.get`. Other components ask `service` who the signed-in person is.
public struct IdentityComponent: BrokerComponent {
    /// The identity service; nil when `identity.issuer` is not configured.
    public let service: IdentityService?
    /// Where `auth.logout` publishes `signingOut`, before the tokens are forgotten.
    let events: BrokerEvents

    /// Builds the service from the `identity.*` keys; without an issuer the methods explain how to configure one.
    public init(context: BrokerContext, looker: (any LookerCredentialSource)? = nil) throws {
        events = context.events
        guard let configuration = try IdentitySettings.configuration(from: context.config) else {
            service = nil
            return
        }
        let service = try IdentityService(
            configuration: configuration, store: context.store, http: context.http,
            keySource: context.sealingKey, looker: looker, logger: context.logger)
        if let reason = try service.restore() {
            // Said once in the trail: the person must sign in again, and nothing else was touched
            // (the audit log and queued work stay; queued jobs wait for the new sign-in).
            let entry = AuditEntry(
                method: "identity.session_dropped", outcome: .error, errorReason: "sealed_session_unreadable",
                detail: ["reason": .string(reason), "next": "gatehouse login"])
            let audit = context.audit
            let logger = context.logger
            Task {
                do {
                    _ = try await audit.append(entry)
                } catch {
                    logger.error("could not audit the dropped session", metadata: ["error": "\(error)"])
                }
            }
        }
        self.service = service
    }

    public var methods: [RPCMethod] {
        [
            RPCMethod(
                "auth.login.start",
                summary:
                    "Starts a sign-in (loopback PKCE or device flow); returns the URL to open and, for device, the code. `fresh` asks the IdP to authenticate again (a step-up before approving).",
                params: [
                    "type": "object", "properties": ["method": ["enum": ["loopback", "device"]], "fresh": ["type": "boolean"]],
                    "additionalProperties": false,
                ],
                handler: .async { call in
                    let params: LoginStartParams = try call.decodeParams()
                    let challenge = try await audited(call) {
                        try await identity().startLogin(params.method ?? .loopback, fresh: params.fresh ?? false)
                    }
                    if let warning = challenge.warning { call.annotations.update { $0.detail["warning"] = .string(warning) } }
                    return try JSONValue(encoding: challenge)
                }),
            RPCMethod(
                "auth.login.status", summary: "Whether the sign-in `id` is pending, signed in (with the principal) or failed (with why).",
                params: ["type": "object", "properties": ["id": ["type": "string"]], "required": ["id"], "additionalProperties": false],
                handler: .async { call in
                    let params: LoginStatusParams = try call.decodeParams()
                    let service = try identity()
                    let progress = try service.loginStatus(id: params.id)
                    var result: [String: JSONValue] = ["state": .string(progress.state)]
                    switch progress {
                    case .pending: break
                    case .signedIn(let principal):
                        result["principal"] = try JSONValue(encoding: principal)
                        call.annotations.update { $0.principal = principal.displayName }
                    case .failed(let reason):
                        result["error"] = .string(reason)
                        call.annotations.update { $0.detail["loginError"] = .string(reason) }
                    }
                    let ignored = service.ignoredCallbacks(id: params.id)
                    if ignored > 0 {
                        result["ignoredCallbacks"] = .int(Int64(ignored))
                        call.annotations.update { $0.detail["ignoredCallbacks"] = .int(Int64(ignored)) }
                    }
                    return .object(result)
                }),
            RPCMethod(
                "auth.status", summary: "Who is signed in, groups, token expiries and whether the IdP is reachable.",
                handler: .async { call in
                    guard let service else { return ["signedIn": false, "configured": false, "summary": "identity.issuer is not configured"] }
                    let status = try await service.status()
                    if let principal = status.principal { call.annotations.update { $0.principal = principal.displayName } }
                    return try JSONValue(encoding: status)
                }),
            RPCMethod(
                "auth.logout",
                summary:
                    "Revokes the session at the IdP where possible and forgets every cached token; tears down the person's clusters first unless `keepClusters` (they then run until their TTL).",
                params: ["type": "object", "properties": ["keepClusters": ["type": "boolean"]], "additionalProperties": false],
                handler: .async { call in
                    let params: LogoutParams = try call.decodeParams()
                    let keepClusters = params.keepClusters ?? false
                    let service = try identity()
                    if let principal = service.currentPrincipal() {
                        call.annotations.update {
                            $0.principal = principal.displayName
                            $0.detail["keepClusters"] = .bool(keepClusters)
                        }
                        await events.publish(.signingOut(principal, keepClusters: keepClusters))
                    }
                    return ["revoked": .bool(try await service.logout()), "keptClusters": .bool(keepClusters)]
                }),
            RPCMethod(
                "token.get",
                summary: "A valid token for an audience (oidc, idp, google, looker); only for the daemon's own uid. Audited by fingerprint.",
                params: [
                    "type": "object",
                    "properties": [
                        "audience": ["enum": .array(TokenAudience.names.map(JSONValue.string))],
                        "scopes": ["type": "array", "items": ["type": "string"]],
                    ],
                    "required": ["audience"], "additionalProperties": false,
                ],
                handler: .async { call in try await tokenGet(call) }),
        ]
    }

    public func run() async {
        await service?.run()
    }

    public var statusKey: String { "identity" }

    public func status() async -> [String: JSONValue] {
        guard let service, let status = try? await service.status() else { return ["configured": .bool(service != nil)] }
        var result: [String: JSONValue] = [
            "signedIn": .bool(status.signedIn), "offline": .bool(status.offline), "summary": .string(status.summary),
            "cachedTokens": .int(Int64(status.tokens.count)),
        ]
        // A refused refresh is visible in `gatehouse status` too, not only in `auth status`.
        if let error = status.lastError { result["lastError"] = .string(error) }
        if status.refreshFailures > 0 { result["refreshFailures"] = .int(Int64(status.refreshFailures)) }
        return result
    }

    private func tokenGet(_ call: RPCCall) async throws -> JSONValue {
        // A token is a credential: only processes of the user who runs the daemon may take one,
        // even when rpc.allowed_uids lets others call the rest of the API.
        guard call.peer.uid == getuid() else {
            throw RPCError(.denied, reason: "token_owner_only", message: "tokens are handed out only to uid \(getuid()), the daemon's own user")
        }
        let params: TokenGetParams = try call.decodeParams()
        guard let audience = TokenAudience(name: params.audience, scopes: params.scopes ?? []) else {
            throw RPCError.invalidParams("params.audience must be one of \(TokenAudience.names.joined(separator: ", "))")
        }
        let service = try identity()
        if let principal = service.currentPrincipal() { call.annotations.update { $0.principal = principal.displayName } }
        let token = try await audited(call) { try await service.accessToken(for: audience) }
        call.annotations.update {
            $0.detail["tokenFingerprint"] = .string(token.fingerprint)
            $0.detail["audience"] = .string(audience.description)
            $0.detail["chain"] = .string(token.chainDescription)
        }
        return [
            "token": .string(token.value), "tokenType": .string(token.tokenType),
            "expiresAt": .string(token.expiresAt.ISO8601Format()), "expiresAtUnix": .int(OutsideNumbers.unixSeconds(token.expiresAt)),
            "chain": .array(token.chain.map(JSONValue.string)), "fingerprint": .string(token.fingerprint),
        ]
    }

    /// Runs `body`; an identity error's message (never a secret) goes into the audit record's
    /// detail, so a refused answer from the IdP is on record with its reason, not just a code.
    private func audited<T>(_ call: RPCCall, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IdentityError {
            call.annotations.update { $0.detail["identityError"] = .string(error.description) }
            throw error
        }
    }

    private func identity() throws(RPCError) -> IdentityService {
        guard let service else {
            throw RPCError(
                .unauthorized, reason: "identity_not_configured", message: "sign-in is not configured: set identity.issuer (and identity.client_id)")
        }
        return service
    }
}

private struct LoginStartParams: Decodable {
    var method: LoginMethod?
    var fresh: Bool?
}
private struct LoginStatusParams: Decodable { var id: String }
private struct LogoutParams: Decodable { var keepClusters: Bool? }
private struct TokenGetParams: Decodable {
    var audience: String
    var scopes: [String]?
}
