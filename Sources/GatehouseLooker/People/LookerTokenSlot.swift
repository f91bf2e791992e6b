import Foundation
import GatehouseCore
import GatehouseIdentity
import Synchronization

/// The `LookerCredentialSource` the identity service is built with, filled in once the Looker
/// component exists (it is built later, from its own config). It hands out only a person's own
/// embed-user token; with no embed users configured it refuses, and never falls back to the
/// service account's token.
public final class LookerTokenSlot: LookerCredentialSource {
    private let people = Mutex<LookerEmbedUsers?>(nil)
    private let refusal = Mutex<String>("Looker is not configured (set looker.base_url)")

    /// An empty slot.
    public init() {}

    /// Hands out tokens of `people`'s embed users from now on.
    public func fill(_ people: LookerEmbedUsers) { self.people.withLock { $0 = people } }

    /// Why no token is handed out, when the slot stays empty.
    public func refuse(because reason: String) { refusal.withLock { $0 = reason } }

    public func token(for principal: Principal, now: Date) async throws -> IssuedToken {
        guard let people = people.withLock({ $0 }) else { throw LookerError.notConfigured(refusal.withLock { $0 }) }
        return try await people.token(for: principal, now: now)
    }
}
