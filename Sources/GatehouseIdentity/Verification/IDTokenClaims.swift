import Foundation
import JWTKit

/// The claims Gatehouse reads from an ID token.
///
/// `verify(using:)` is empty on purpose: the claims are checked by `IDTokenVerifier` against an
/// injectable clock with bounded skew, which jwt-kit's claim helpers do not offer.
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    /// The client the token was issued to (OIDC Core §2); required when `aud` names several.
    var azp: String?
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var nbf: NotBeforeClaim?
    var nonce: String?
    /// When the person last authenticated at the IdP (OIDC Core §2), in seconds since 1970.
    var auth_time: Double?
    var email: String?
    var name: String?
    var groups: [String]?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The protected header, read before verification to choose the key and refuse bad algorithms.
struct JWTHeaderFields: Decodable {
    var alg: String?
    var kid: String?

    /// The header of a compact JWS.
    static func parse(_ token: String) throws(IDTokenRejection) -> JWTHeaderFields {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts, found \(parts.count)") }
        guard let data = Base64URL.decode(String(parts[0])),
            let header = try? JSONDecoder().decode(JWTHeaderFields.self, from: data)
        else { throw .malformed("the header is not base64url JSON") }
        return header
    }
}

/// Base64url without padding (RFC 7515 §2).
enum Base64URL {
    /// Encodes bytes.
    static func encode(_ data: some Sequence<UInt8>) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes text, tolerating missing padding.
    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
