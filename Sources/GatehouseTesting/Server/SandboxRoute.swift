/// One route an upstream's router serves, as the contract check enumerates them.
public struct SandboxRoute: Codable, Sendable, Hashable {
    /// The upstream serving it.
    public var upstream: SandboxUpstream
    /// HTTP method.
    public var method: String
    /// The router's path template, e.g. `/api/catalog/entities/by-name/{kind}/{namespace}/{name}`.
    public var path: String
}
