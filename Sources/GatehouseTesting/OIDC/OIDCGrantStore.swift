import Foundation

/// Every code, token and device authorization the provider has handed out, and the rules for
/// redeeming them. Pure state: the caller passes `now` from the sandbox clock and holds the lock.
struct OIDCGrantStore: Sendable {
    private var codes: [String: OIDCAuthorizationCode] = [:]
    /// Codes already redeemed, by family: a replayed code revokes what the first use produced.
    private var redeemedCodes: [String: String] = [:]
    private var accessTokens: [String: OIDCIssuedAccessToken] = [:]
    private var refreshTokens: [String: OIDCRefreshToken] = [:]
    private var revokedFamilies: Set<String> = []
    private var devices: [String: OIDCDeviceAuthorization] = [:]
    private var deviceCodeByUserCode: [String: String] = [:]

    // MARK: authorization code

    /// Stores a fresh single-use code for an approved request.
    mutating func createCode(for request: OIDCAuthorizationRequest, subject: String, now: Date, lifetime: TimeInterval) -> String {
        let code = RandomToken.make(prefix: "code_")
        let grant = OIDCGrant(
            clientID: request.clientID, subject: subject, scopes: request.scopes, nonce: request.nonce,
            authTime: now, familyID: RandomToken.make(byteCount: 12))
        codes[code] = OIDCAuthorizationCode(request: request, grant: grant, expiresAt: now.addingTimeInterval(lifetime))
        return code
    }

    /// Redeems a code once, checking the client, redirect URI and PKCE verifier it was bound to.
    mutating func redeemCode(
        _ code: String, clientID: String, redirectURI: String?, verifier: String?, now: Date
    ) throws(OAuthError) -> OIDCGrant {
        if let family = redeemedCodes[code] {
            revokeFamily(family)
            throw .invalidGrant("the authorization code was already used; tokens issued from it are revoked")
        }
        // Removed before any check: a code is spent by its first attempt, right or wrong.
        guard let stored = codes.removeValue(forKey: code) else {
            throw .invalidGrant("the authorization code is unknown; start the sign-in again")
        }
        redeemedCodes[code] = stored.grant.familyID
        guard stored.expiresAt > now else { throw .invalidGrant("the authorization code has expired; start the sign-in again") }
        guard stored.request.clientID == clientID else { throw .invalidGrant("the authorization code was issued to another client") }
        guard stored.request.redirectURI == redirectURI else {
            throw .invalidGrant("redirect_uri does not match the one used at the authorization endpoint")
        }
        if let challenge = stored.request.codeChallenge {
            guard let verifier else { throw .invalidGrant("code_verifier is required: the request used PKCE") }
            guard OIDCPKCE.verify(verifier: verifier, challenge: challenge) else {
                throw .invalidGrant("code_verifier does not match the code_challenge")
            }
        }
        return stored.grant
    }

    // MARK: tokens

    /// Mints an access token and a refresh token for `grant`.
    mutating func mint(for grant: OIDCGrant, now: Date, options: OIDCProviderOptions) -> OIDCMintedTokens {
        let access = RandomToken.make(prefix: "at_")
        let refresh = RandomToken.make(prefix: "rt_")
        accessTokens[access] = OIDCIssuedAccessToken(grant: grant, expiresAt: now.addingTimeInterval(options.accessTokenLifetime))
        refreshTokens[refresh] = OIDCRefreshToken(
            grant: grant, expiresAt: now.addingTimeInterval(options.refreshTokenLifetime), used: false)
        return OIDCMintedTokens(
            grant: grant, accessToken: access, refreshToken: refresh, expiresIn: Int(options.accessTokenLifetime))
    }

    /// Spends a refresh token (rotation); redeeming a spent one revokes its whole family.
    mutating func redeemRefreshToken(_ token: String, clientID: String, now: Date) throws(OAuthError) -> OIDCGrant {
        guard var stored = refreshTokens[token] else { throw .invalidGrant("the refresh token is unknown or revoked; sign in again") }
        guard !revokedFamilies.contains(stored.grant.familyID) else {
            throw .invalidGrant("the refresh token was revoked; sign in again")
        }
        guard stored.grant.clientID == clientID else { throw .invalidGrant("the refresh token was issued to another client") }
        if stored.used {
            revokeFamily(stored.grant.familyID)
            throw .invalidGrant("the refresh token was already used; every token of this sign-in is revoked, sign in again")
        }
        guard stored.expiresAt > now else { throw .invalidGrant("the refresh token has expired; sign in again") }
        stored.used = true
        refreshTokens[token] = stored
        return stored.grant
    }

    /// The live access token, or nil when unknown, revoked or expired.
    func accessToken(_ token: String, now: Date) -> OIDCIssuedAccessToken? {
        guard let stored = accessTokens[token], stored.expiresAt > now,
            !revokedFamilies.contains(stored.grant.familyID)
        else { return nil }
        return stored
    }

    /// RFC 7009: revoking a refresh token ends its grant; revoking an access token ends just it.
    mutating func revoke(token: String) {
        if let refresh = refreshTokens[token] {
            revokeFamily(refresh.grant.familyID)
        } else {
            accessTokens[token] = nil
        }
    }

    /// Revokes every grant of a subject (admin action: "sign this user out everywhere").
    mutating func revokeAll(subject: String) {
        let grants = accessTokens.values.map(\.grant) + refreshTokens.values.map(\.grant)
        let families = Set(grants.filter { $0.subject == subject }.map(\.familyID))
        families.forEach { revokeFamily($0) }
    }

    private mutating func revokeFamily(_ family: String) {
        revokedFamilies.insert(family)
        accessTokens = accessTokens.filter { $0.value.grant.familyID != family }
        refreshTokens = refreshTokens.filter { $0.value.grant.familyID != family }
    }

    // MARK: device authorization (RFC 8628)

    /// Starts a device authorization.
    mutating func startDevice(clientID: String, scopes: [String], now: Date, options: OIDCProviderOptions) -> OIDCDeviceAuthorization {
        var userCode = Self.makeUserCode()
        while deviceCodeByUserCode[userCode] != nil { userCode = Self.makeUserCode() }
        let device = OIDCDeviceAuthorization(
            deviceCode: RandomToken.make(prefix: "dc_"), userCode: userCode, clientID: clientID, scopes: scopes,
            expiresAt: now.addingTimeInterval(options.deviceCodeLifetime), interval: options.deviceInterval,
            lastPoll: nil, status: .pending)
        devices[device.deviceCode] = device
        deviceCodeByUserCode[userCode] = device.deviceCode
        return device
    }

    /// One poll of the token endpoint: pending, slow down, denied, expired, or the approved grant.
    mutating func pollDevice(_ deviceCode: String, clientID: String, now: Date) throws(OAuthError) -> OIDCGrant {
        guard var device = devices[deviceCode], device.clientID == clientID else {
            throw .invalidGrant("the device_code is unknown for this client")
        }
        defer { devices[deviceCode] = device }
        guard device.expiresAt > now else {
            throw OAuthError("expired_token", "the device code has expired; start a new device authorization")
        }
        let previous = device.lastPoll
        device.lastPoll = now
        if let previous, now.timeIntervalSince(previous) < device.interval {
            device.interval += 5
            throw OAuthError("slow_down", "polling too fast; wait at least \(Int(device.interval)) s between polls")
        }
        switch device.status {
        case .pending:
            throw OAuthError("authorization_pending", "the user has not approved the request yet; keep polling")
        case .denied:
            throw OAuthError("access_denied", "the user denied the request")
        case .redeemed:
            throw .invalidGrant("the device code was already redeemed")
        case .approved(let subject, let at):
            device.status = .redeemed
            return OIDCGrant(
                clientID: device.clientID, subject: subject, scopes: device.scopes, nonce: nil, authTime: at,
                familyID: RandomToken.make(byteCount: 12))
        }
    }

    /// Approves (`subject` given) or denies (`subject` nil) the device authorization with `userCode`.
    mutating func decideDevice(userCode: String, subject: String?, now: Date) throws(OIDCProviderError) {
        let normalized = Self.normalize(userCode: userCode)
        guard let deviceCode = deviceCodeByUserCode[normalized], var device = devices[deviceCode] else {
            throw .unknownUserCode(userCode)
        }
        guard device.expiresAt > now else { throw .deviceCodeExpired(userCode) }
        guard device.status == .pending else { throw .deviceAlreadyDecided(userCode) }
        device.status = subject.map { .approved(subject: $0, at: now) } ?? .denied
        devices[deviceCode] = device
    }

    /// True when a pending, unexpired device authorization has this user code.
    func isPending(userCode: String, now: Date) -> Bool {
        guard let code = deviceCodeByUserCode[Self.normalize(userCode: userCode)], let device = devices[code] else { return false }
        return device.status == .pending && device.expiresAt > now
    }

    /// Eight consonants as `XXXX-XXXX`: no vowels (no accidental words), no look-alikes (RFC 8628 §6.1).
    private static func makeUserCode() -> String {
        let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
        let letters = (0..<8).map { _ in alphabet.randomElement()! }
        return String(letters[0..<4]) + "-" + String(letters[4..<8])
    }

    /// Users type codes loosely: any case, with or without the dash or spaces.
    static func normalize(userCode: String) -> String {
        let letters = userCode.uppercased().filter { $0.isLetter }
        guard letters.count == 8 else { return userCode.uppercased() }
        return String(letters.prefix(4)) + "-" + String(letters.suffix(4))
    }
}
