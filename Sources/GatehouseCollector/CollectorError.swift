import GatehouseFleet

/// What the collector refuses or cannot do, with the HTTP status it answers with.
public enum CollectorError: Error, Sendable, CustomStringConvertible {
    /// The database was migrated by a newer collector.
    case newerSchema(found: Int, known: Int)
    /// No host of this id is registered.
    case unknownHost(String)
    /// The host id is registered with another key.
    case hostKeyConflict(String)
    /// The request body cannot be read.
    case badRequest(String)
    /// The shipment does not extend the cosigned chain (kept as evidence).
    case refused(ChainRefusal)
    /// The request could not be tied to a person or a key.
    case unauthenticated(String)
    /// The person is in none of the auditor groups.
    case notAuditor(String)
    /// No IdP is configured, so hosts cannot register.
    case registrationDisabled
    /// The witness key file cannot be read or made.
    case witnessKey(path: String, reason: String)

    /// The HTTP status this error is answered with.
    public var status: Int {
        switch self {
        case .newerSchema, .witnessKey: 500
        case .unauthenticated: 401
        case .notAuditor: 403
        case .registrationDisabled: 503
        case .unknownHost: 404
        case .hostKeyConflict: 409
        case .badRequest: 400
        case .refused(let refusal): refusal.kind == .badSignature || refusal.kind == .wrongOrigin ? 403 : 409
        }
    }

    /// The stable word in the error body.
    public var kind: String {
        switch self {
        case .newerSchema: "newer_schema"
        case .unknownHost: "unknown_host"
        case .hostKeyConflict: "host_key_conflict"
        case .badRequest: "bad_request"
        case .refused(let refusal): refusal.kind.rawValue
        case .witnessKey: "witness_key"
        case .unauthenticated: "unauthenticated"
        case .notAuditor: "not_auditor"
        case .registrationDisabled: "registration_disabled"
        }
    }

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .newerSchema(let found, let known):
            "the database is at collector schema \(found), this collector knows up to \(known): run the newer collector"
        case .unknownHost(let host): "host \(host) is not registered with this collector"
        case .hostKeyConflict(let host): "host \(host) is already registered with another key"
        case .badRequest(let reason): "bad request: \(reason)"
        case .refused(let refusal): refusal.message
        case .unauthenticated(let reason): reason
        case .notAuditor(let who): "\(who) is in none of the collector's auditor groups; this request was recorded"
        case .registrationDisabled: "this collector has no IdP: start it with --oidc-issuer and --oidc-client-id"
        case .witnessKey(let path, let reason): "cannot use the witness key \(path): \(reason)"
        }
    }
}
