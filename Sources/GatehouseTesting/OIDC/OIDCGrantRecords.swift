import Foundation

/// What a client asked for at `/authorize`, validated.
struct OIDCAuthorizationRequest: Sendable {
    var clientID: String
    var redirectURI: String
    var scopes: [String]
    var state: String?
    var nonce: String?
    /// The S256 challenge; nil only for confidential clients that skipped PKCE.
    var codeChallenge: String?
}

/// Who signed in, for which client and scopes: shared by every token of one grant (one "family").
struct OIDCGrant: Sendable {
    var clientID: String
    var subject: String
    var scopes: [String]
    var nonce: String?
    var authTime: Date
    /// All access and refresh tokens descended from one sign-in share this id, so reuse of a
    /// rotated refresh token can revoke them together.
    var familyID: String
}

struct OIDCAuthorizationCode: Sendable {
    var request: OIDCAuthorizationRequest
    var grant: OIDCGrant
    var expiresAt: Date
}

struct OIDCIssuedAccessToken: Sendable {
    var grant: OIDCGrant
    var expiresAt: Date
}

struct OIDCRefreshToken: Sendable {
    var grant: OIDCGrant
    var expiresAt: Date
    /// Set once redeemed; a second redemption is the theft signal of the OAuth security BCP.
    var used: Bool
}

/// A pending RFC 8628 device authorization.
struct OIDCDeviceAuthorization: Sendable {
    enum Status: Sendable, Equatable {
        case pending
        case approved(subject: String, at: Date)
        case denied
        case redeemed
    }

    var deviceCode: String
    var userCode: String
    var clientID: String
    var scopes: [String]
    var expiresAt: Date
    /// Seconds the client must wait between polls; grows by 5 on each `slow_down`.
    var interval: TimeInterval
    var lastPoll: Date?
    var status: Status
}

/// Tokens minted for a grant, before the ID token is signed.
struct OIDCMintedTokens: Sendable {
    var grant: OIDCGrant
    var accessToken: String
    var refreshToken: String
    var expiresIn: Int
}
