import Foundation
import GatehouseCore
import Synchronization

/// A local OpenID Connect provider: discovery, JWKS with rotation, authorization code + PKCE,
/// refresh-token rotation with reuse detection, device flow, userinfo and revocation.
///
/// Every expiry is computed from the shared `SandboxClock`, so tests expire codes and tokens by
/// advancing the clock instead of sleeping.
public final class OIDCProviderSandbox: Sendable {
    struct State: Sendable {
        var issuer: String
        var keys: OIDCKeyRing
        var grants = OIDCGrantStore()
        var counts = OIDCRequestCounts()
        var hostility = OIDCHostility()
    }

    let clock: SandboxClock
    let options: OIDCProviderOptions
    let users: [String: SandboxUser]
    /// Users in the order given, for the approval forms.
    let orderedUsers: [SandboxUser]
    private let state: Mutex<State>

    /// A provider for `issuer` (the exact URL clients discover it at) with the given users.
    public init(issuer: String, clock: SandboxClock, users: [SandboxUser], options: OIDCProviderOptions = .init()) {
        self.clock = clock
        self.options = options
        self.orderedUsers = users
        self.users = Dictionary(users.map { ($0.subject, $0) }, uniquingKeysWith: { first, _ in first })
        // Key generation only fails if BoringSSL cannot make a 2048-bit RSA key, which would make
        // the whole sandbox useless; failing loudly at start-up is the useful answer.
        let keys: OIDCKeyRing
        do {
            keys = try OIDCKeyRing(signingAlgorithm: options.signingAlgorithm)
        } catch {
            fatalError("OIDCProviderSandbox could not generate its signing keys: \(error)")
        }
        self.state = Mutex(State(issuer: issuer, keys: keys))
    }

    /// The issuer URL (`iss` of every ID token, `issuer` in discovery).
    public var issuer: String { state.withLock { $0.issuer } }

    /// Sets the issuer once the listening port is known (servers bound to port 0 learn it late).
    public func updateIssuer(_ issuer: String) {
        state.withLock { $0.issuer = issuer }
    }

    /// Makes a new signing key current; the old keys stay in the JWKS so earlier tokens still verify.
    public func rotateKeys() {
        state.withLock { state in
            do {
                try state.keys.rotate()
            } catch {
                fatalError("OIDCProviderSandbox could not generate a signing key: \(error)")
            }
        }
    }

    /// Removes every retired key from the JWKS; returns how many were dropped.
    @discardableResult
    public func dropRetiredKeys() -> Int {
        state.withLock { $0.keys.dropRetired() }
    }

    /// The `kid` new ID tokens are signed with.
    public var currentKeyID: String { state.withLock { $0.keys.current.kid } }

    /// The JWKS document served at `/jwks`.
    public var jwksJSON: Data {
        let document = state.withLock { state in Result { try state.keys.document() } }
        // Exporting public numbers of keys we generated ourselves cannot fail in practice.
        return (try? JSONEncoder.canonical.encode(document.get())) ?? Data(#"{"keys":[]}"#.utf8)
    }

    /// A JWKS of the current signing key alone, without its `kid`.
    var anonymousJWKSJSON: Data {
        let key = state.withLock { $0.keys.current }
        guard let jwk = try? JSONValue(encoding: key.publicJWK()), case .object(var members) = jwk else {
            return Data(#"{"keys":[]}"#.utf8)
        }
        members["kid"] = nil
        return Data(JSONWriter.bytes(.object(["keys": .array([.object(members)])])))
    }

    /// Approves the pending device authorization with `userCode` as `subject`.
    public func approveDevice(userCode: String, subject: String) throws(OIDCProviderError) {
        guard users[subject] != nil else { throw .unknownSubject(subject) }
        let now = clock.now
        try withState { (state: inout State) throws(OIDCProviderError) in
            try state.grants.decideDevice(userCode: userCode, subject: subject, now: now)
        }
    }

    /// Denies the pending device authorization with `userCode`.
    public func denyDevice(userCode: String) throws(OIDCProviderError) {
        let now = clock.now
        try withState { (state: inout State) throws(OIDCProviderError) in
            try state.grants.decideDevice(userCode: userCode, subject: nil, now: now)
        }
    }

    /// Revokes every access and refresh token of `subject`.
    public func revokeTokens(subject: String) {
        state.withLock { $0.grants.revokeAll(subject: subject) }
    }

    /// Requests served so far, per endpoint and per grant type.
    public var requestCount: OIDCRequestCounts { state.withLock { $0.counts } }

    /// Sets every request counter back to zero.
    public func resetRequestCount() {
        state.withLock { $0.counts = OIDCRequestCounts() }
    }

    /// The user an unexpired, unrevoked access token was issued to (what `/userinfo` answers).
    public func userInfo(accessToken: String) -> SandboxUser? {
        let now = clock.now
        guard let token = state.withLock({ $0.grants.accessToken(accessToken, now: now) }) else { return nil }
        return users[token.grant.subject]
    }

    /// Runs `body` on the locked state.
    func withState<T: Sendable, E: Error>(_ body: (inout State) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state: inout State) throws(E) -> T in try body(&state) }
    }
}
