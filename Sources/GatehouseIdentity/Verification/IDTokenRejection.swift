import Foundation

/// Why an ID token was not accepted; each case names what to check.
public enum IDTokenRejection: Error, CustomStringConvertible, Sendable, Equatable {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case unknownKeyID(String?)
    case badSignature
    case wrongIssuer(expected: String, found: String)
    case wrongAudience(expected: String, found: [String])
    case expired(at: Date)
    case notYetValid(until: Date)
    case issuedInFuture(at: Date)
    case nonceMismatch
    case missingClaim(String)
    case emptySubject
    case authorizedPartyMismatch(expected: String, found: String)
    case authorizedPartyMissing(audiences: [String])
    case implausibleTime(claim: String, unixSeconds: Double)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed token: \(detail)"
        case .unsupportedAlgorithm(let alg): "signing algorithm \(alg) is not accepted (only RS256 and ES256)"
        case .unknownKeyID(let kid): "signing key \(kid ?? "(no kid)") is not in the issuer's JWKS, even after refetching it"
        case .badSignature: "the signature does not verify against the issuer's key"
        case .wrongIssuer(let expected, let found): "issuer is \(found), expected \(expected)"
        case .wrongAudience(let expected, let found): "audience is \(found), expected it to include \(expected)"
        case .expired(let at): "expired at \(at.ISO8601Format())"
        case .notYetValid(let until): "not valid before \(until.ISO8601Format())"
        case .issuedInFuture(let at): "issued in the future (\(at.ISO8601Format())); check the clock"
        case .nonceMismatch: "nonce does not match the sign-in request"
        case .missingClaim(let name): "the \(name) claim is missing"
        case .emptySubject: "the sub claim is empty; a token must name its subject"
        case .authorizedPartyMismatch(let expected, let found): "azp is \(found), expected \(expected): the token was issued to another client"
        case .authorizedPartyMissing(let audiences):
            "the token names several audiences (\(audiences.joined(separator: ", "))) but no azp saying which client it was issued to"
        case .implausibleTime(let claim, let seconds):
            // The raw number, not a formatted date: a date 1e19 s away is not one a formatter should be handed.
            "\(claim) is \(seconds) (Unix seconds), too far from now to be a real ID token's time (at most \(Int(IDTokenVerifier.maximumLifetime / 86_400)) days)"
        }
    }
}
