import Foundation
import JWTKit

/// The claims the STS reads from a subject (ID) token.
public struct STSSubjectTokenClaims: JWTPayload, Equatable {
    /// Issuer.
    public var iss: IssuerClaim
    /// Subject.
    public var sub: SubjectClaim
    /// Audience (one value or an array).
    public var aud: AudienceClaim
    /// Expiry.
    public var exp: ExpirationClaim
    /// Issued-at.
    public var iat: IssuedAtClaim
    /// Not-before, if the issuer sets it.
    public var nbf: NotBeforeClaim?
    /// Email, if the issuer sets it.
    public var email: String?
    /// Group names, if the issuer sets them.
    public var groups: [String]?

    /// Checks nothing: time claims are compared with the sandbox clock by the verifier, which
    /// jwt-kit cannot see.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
