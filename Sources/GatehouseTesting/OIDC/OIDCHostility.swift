import Foundation
import GatehouseCore
import Hummingbird
import JWTKit

/// Ways the sandbox provider can be switched to attack its client, one test at a time.
///
/// Each field is merged over what an honest provider would send, so a test names only the lie it
/// tells (`expires_in: 1e300`, `azp: "other-client"`, a `file:` endpoint). A member set to
/// `.null` removes that member. Everything else keeps working, so the client gets exactly as far
/// as the lie lets it.
public struct OIDCHostility: Sendable {
    /// Members merged over the discovery document (e.g. `authorization_endpoint: "file:///etc/passwd"`).
    public var discovery: [String: JSONValue] = [:]
    /// Members merged over every successful token-endpoint answer (`expires_in`, `token_type`, …).
    public var tokenResponse: [String: JSONValue] = [:]
    /// Claims merged over every ID token before it is signed (`exp`, `aud`, `azp`, `sub`, …).
    public var idTokenClaims: [String: JSONValue] = [:]
    /// Members merged over the device authorization answer (`interval`, `verification_uri`, `user_code`, …).
    public var deviceAuthorization: [String: JSONValue] = [:]
    /// The OAuth error every `refresh_token` grant is answered with, instead of new tokens.
    public var refreshError: OAuthError?
    /// The `Cache-Control` header of the JWKS answer.
    public var jwksCacheControl: String?
    /// Publish only the current signing key, without a `kid`, and sign ID tokens without one
    /// (OIDC Core §10.1 allows this when the JWKS holds a single key).
    public var singleKeyWithoutKid = false
    /// Pad every token answer with this many bytes of filler (an oversized answer).
    public var tokenResponsePadding: Int?

    /// An honest provider.
    public init() {}

    /// `base` with every member of `overrides` put in (or taken out, for `.null`).
    static func merge(_ overrides: [String: JSONValue], over base: JSONValue) -> JSONValue {
        guard case .object(var members) = base, !overrides.isEmpty else { return base }
        for (name, value) in overrides {
            members[name] = value == .null ? nil : value
        }
        return .object(members)
    }
}

/// Claims of any shape, signed as they are: how the hostile provider mints tokens a typed claim
/// struct could not express (`exp: 1e19`, an empty `sub`, several audiences).
struct OIDCRawClaims: JWTPayload {
    var members: JSONValue

    init(_ members: JSONValue) {
        self.members = members
    }

    init(from decoder: any Decoder) throws {
        members = try JSONValue(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try members.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension OIDCProviderSandbox {
    /// Switches the provider to `hostility` until `behaveHonestly()` (or another call) replaces it.
    public func behave(_ hostility: OIDCHostility) {
        withState { $0.hostility = hostility }
    }

    /// Back to an honest provider.
    public func behaveHonestly() {
        withState { $0.hostility = OIDCHostility() }
    }

    /// The hostility in force now.
    var hostility: OIDCHostility { withState { $0.hostility } }

    /// A JSON answer of `value` with the hostile members merged in.
    static func json(_ value: some Encodable, merging overrides: [String: JSONValue], padding: Int? = nil) -> Response {
        guard !overrides.isEmpty || padding != nil, let encoded = try? JSONValue(encoding: value) else {
            return OAuthHTTP.json(value)
        }
        var merged = OIDCHostility.merge(overrides, over: encoded)
        if let padding, case .object(var members) = merged {
            members["padding"] = .string(String(repeating: "x", count: padding))
            merged = .object(members)
        }
        // The lie breaks the provider's contract on purpose: the recording marks it as a fault, which the contract check skips.
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", SandboxFaultHeader.name: "hostile-provider"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(merged, sortedKeys: true))))
    }
}
