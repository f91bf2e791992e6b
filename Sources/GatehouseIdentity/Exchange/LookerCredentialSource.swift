import Foundation
import GatehouseCore

/// The seam where Looker API credentials come from (API client credentials, or `login/{user_id}`
/// sudo for the signed-in person). The Looker module supplies the implementation; until it is
/// set, `accessToken(for: .looker)` says so instead of guessing.
public protocol LookerCredentialSource: Sendable {
    /// A Looker API token acting for `principal`; its `chain` ends with the Looker identity.
    func token(for principal: Principal, now: Date) async throws -> IssuedToken
}
