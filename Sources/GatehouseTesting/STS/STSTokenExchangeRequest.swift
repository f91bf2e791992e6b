import Foundation
import GatehouseCore
import Hummingbird

/// An RFC 8693 token exchange request, from either body shape Google STS accepts: the
/// form-urlencoded snake_case the google-auth libraries send, or the discovery doc's JSON camelCase.
struct STSTokenExchangeRequest: Sendable {
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let subjectTokenTypes: Set<String> = ["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"]

    var audience: String
    var scopes: [String]
    var subjectToken: String

    /// Reads and validates the body; everything but the subject token's own checks happens here.
    static func parse(_ request: Request) async throws -> STSTokenExchangeRequest {
        let text = try await OAuthHTTP.bodyText(of: request)
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
        return try parse(fields: isJSON ? try jsonFields(text) : try OAuthHTTP.formFields(text))
    }

    static func parse(fields: [String: String]) throws(OAuthError) -> STSTokenExchangeRequest {
        guard let grant = fields["grant_type"] else { throw .invalidRequest("grant_type is required") }
        guard grant == grantType else { throw .unsupportedGrantType(grant) }
        guard fields["requested_token_type"] == accessTokenType else {
            throw .invalidRequest("requested_token_type must be \(accessTokenType)")
        }
        guard let subjectTokenType = fields["subject_token_type"], subjectTokenTypes.contains(subjectTokenType) else {
            throw .invalidRequest("subject_token_type must be urn:ietf:params:oauth:token-type:jwt or ...:id_token for an OIDC provider")
        }
        guard let subjectToken = fields["subject_token"], !subjectToken.isEmpty else {
            throw .invalidRequest("subject_token is required")
        }
        guard let audience = fields["audience"], !audience.isEmpty else {
            throw .invalidRequest("audience is required: the workload identity provider's full resource name")
        }
        let scopes = (fields["scope"] ?? "").split(separator: " ").map(String.init)
        // As the real STS: a federated token needs cloud-platform, or iam when it only buys a
        // service-account token (google-auth's impersonation path asks for iam alone).
        let accepted = [SandboxAccessToken.cloudPlatformScope, SandboxAccessToken.iamScope]
        guard scopes.contains(where: accepted.contains) else {
            throw .invalidScope("scope must include \(accepted.joined(separator: " or "))")
        }
        return STSTokenExchangeRequest(audience: audience, scopes: scopes, subjectToken: subjectToken)
    }

    /// A camelCase JSON object as snake_case string fields (`subjectTokenType` → `subject_token_type`).
    private static func jsonFields(_ text: String) throws(OAuthError) -> [String: String] {
        guard let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.objectValue else {
            throw .invalidRequest("the JSON body must be an object")
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            guard let string = value.stringValue else { continue }
            fields[snakeCase(key)] = string
        }
        return fields
    }

    private static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { out, character in
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
    }
}
