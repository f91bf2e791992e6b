/// The provider's signing keys: the newest signs, older ones stay published until dropped so
/// tokens signed before a rotation still verify.
struct OIDCKeyRing: Sendable {
    /// Newest first; the first key of the configured algorithm signs.
    private(set) var keys: [OIDCSigningKey]
    let signingAlgorithm: OIDCProviderOptions.SigningAlgorithm

    /// A ring with one RS256 and one ES256 key, so the JWKS always shows both kinds.
    init(signingAlgorithm: OIDCProviderOptions.SigningAlgorithm) throws {
        self.signingAlgorithm = signingAlgorithm
        self.keys = try Self.freshGeneration(signingAlgorithm)
    }

    /// The key new ID tokens are signed with.
    var current: OIDCSigningKey {
        // The initialiser and `rotate` always put a key of the signing algorithm first.
        keys[0]
    }

    /// Makes a new generation current; the old keys stay published.
    mutating func rotate() throws {
        keys.insert(contentsOf: try Self.freshGeneration(signingAlgorithm), at: 0)
    }

    /// Unpublishes every key except the current generation; returns how many were dropped.
    mutating func dropRetired() -> Int {
        let before = keys.count
        keys = Array(keys.prefix(2))
        return before - keys.count
    }

    /// Unpublishes one key by id; the current key cannot be dropped.
    mutating func drop(kid: String) -> Bool {
        guard kid != current.kid, let index = keys.firstIndex(where: { $0.kid == kid }) else { return false }
        keys.remove(at: index)
        return true
    }

    /// The JWKS document of every published key.
    func document() throws -> OIDCJWKSDocument {
        OIDCJWKSDocument(keys: try keys.map { try $0.publicJWK() })
    }

    private static func freshGeneration(_ signing: OIDCProviderOptions.SigningAlgorithm) throws -> [OIDCSigningKey] {
        let other: OIDCProviderOptions.SigningAlgorithm = signing == .rs256 ? .es256 : .rs256
        return [try .generate(signing), try .generate(other)]
    }
}
