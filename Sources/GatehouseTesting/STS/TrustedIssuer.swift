import Foundation

/// An identity provider whose ID tokens the sandbox STS exchanges, as a workload identity pool
/// provider would be configured in Google Cloud.
public struct TrustedIssuer: Sendable {
    /// The `iss` the subject token must carry, exactly.
    public var issuer: String
    /// The workload identity provider's resource name the STS request's `audience` must equal, e.g.
    /// `//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gatehouse/providers/sandbox`.
    public var audience: String
    /// `aud` values accepted in the subject token (usually client ids); when empty, Google's default
    /// applies: the provider's resource name as an `https:` URL.
    public var allowedAudiences: [String]
    /// Fetches the issuer's JWKS document: in-process from a sandbox provider, or over HTTP.
    public var jwks: @Sendable () async throws -> Data

    /// A trusted issuer with every field given.
    public init(issuer: String, audience: String, allowedAudiences: [String] = [], jwks: @escaping @Sendable () async throws -> Data) {
        self.issuer = issuer
        self.audience = audience
        self.allowedAudiences = allowedAudiences
        self.jwks = jwks
    }

    /// Trusts a sandbox provider in-process: its current issuer and its live JWKS.
    public init(provider: OIDCProviderSandbox, audience: String, allowedAudiences: [String] = []) {
        self.init(issuer: provider.issuer, audience: audience, allowedAudiences: allowedAudiences) { provider.jwksJSON }
    }

    /// The `aud` values a subject token may carry.
    var acceptedTokenAudiences: [String] {
        guard allowedAudiences.isEmpty else { return allowedAudiences }
        return audience.hasPrefix("//") ? ["https:" + audience] : [audience]
    }

    /// The pool part of the provider name, for federated principals:
    /// `//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x` → `.../workloadIdentityPools/p`.
    var poolResource: String {
        guard let range = audience.range(of: "/providers/", options: .backwards) else { return audience }
        return String(audience[..<range.lowerBound])
    }
}
