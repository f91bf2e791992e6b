import Foundation
import JWTKit

/// The claims of an ID token the sandbox provider signs.
public struct OIDCIDTokenClaims: JWTPayload, Equatable {
    /// Issuer: the provider's issuer URL.
    public var iss: IssuerClaim
    /// Subject: the user's stable id.
    public var sub: SubjectClaim
    /// Audience: the client_id.
    public var aud: AudienceClaim
    /// Expiry.
    public var exp: ExpirationClaim
    /// Issued-at.
    public var iat: IssuedAtClaim
    /// Not-before (equal to `iat`).
    public var nbf: NotBeforeClaim
    /// When the user approved the sign-in (seconds since 1970).
    public var auth_time: Int
    /// The nonce from the authorization request, echoed back.
    public var nonce: String?
    /// The user's email.
    public var email: String
    /// Always true: the sandbox's users are configured, not self-registered.
    public var email_verified: Bool
    /// Display name.
    public var name: String
    /// Group names.
    public var groups: [String]

    /// Checks nothing: expiry depends on the sandbox clock, which jwt-kit cannot see, so
    /// whoever verifies compares `exp` with their own notion of now.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
