/// Why a catalog operation failed; messages say what to do and never contain the Backstage token.
public enum CatalogError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The text is not an entity ref.
    case invalidRef(String)
    /// No entity with this ref in the current snapshot.
    case notFound(ref: String)
    /// Nothing has been synced yet.
    case noSnapshot
    /// `catalog.base_url` is not set.
    case notConfigured
    /// The token file could not be read.
    case tokenUnreadable(path: String, detail: String)
    /// Backstage could not be reached or answered an error; the current snapshot stays in use.
    case upstream(String)
    /// Backstage answered something that is not a catalog page.
    case badPage(String)
    /// A sync was cancelled (shutdown); the current snapshot stays in use.
    case cancelled
    /// A database error.
    case store(String)

    public var description: String {
        switch self {
        case .invalidRef(let text):
            "\"\(text)\" is not an entity ref; expected [kind:][namespace/]name, e.g. component:default/artist-lookup"
        case .notFound(let ref):
            "no entity \(ref) in the catalog snapshot; check the name with `gatehouse catalog search`, or run `gatehouse catalog sync`"
        case .noSnapshot:
            "the catalog has not been synced yet; run `gatehouse catalog sync` (needs catalog.base_url)"
        case .notConfigured:
            "catalog.base_url is not set; set it to the Backstage backend URL, e.g. http://localhost:7007"
        case .tokenUnreadable(let path, let detail):
            "cannot read the Backstage token file \(path) (catalog.token_file): \(detail)"
        case .upstream(let detail):
            "catalog sync failed, the previous snapshot is still served: \(detail)"
        case .badPage(let detail):
            "catalog sync failed on an unexpected Backstage answer, the previous snapshot is still served: \(detail)"
        case .cancelled:
            "catalog sync was cancelled; the previous snapshot is still served"
        case .store(let detail):
            "catalog database error: \(detail)"
        }
    }
}
