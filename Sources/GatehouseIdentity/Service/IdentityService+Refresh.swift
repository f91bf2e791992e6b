import Crypto
import Foundation
import GatehouseCore
import Logging
import Synchronization

extension IdentityService {
    /// Refreshes tokens ahead of expiry until cancelled: checks every `tick`.
    public func run(tick: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            await refreshDueTokens()
            do { try await clock.sleep(for: tick) } catch { return }
        }
    }

    /// One pass: every cached token past its refresh point (fraction of lifetime, minus jitter) is renewed.
    public func refreshDueTokens() async {
        guard let principal = currentPrincipal() else { return }
        let now = clock.now
        // Backing off after failures: asking again every tick is what hammered IdPs.
        guard state.withLock({ $0.refresh.allows(now) }) else { return }
        let summaries: [(audience: String, scopes: String, expiresAt: Date, chain: String)]
        do {
            summaries = try await tokens.summaries(for: principal)
        } catch {
            logger.error("cannot read the token cache", metadata: ["error": "\(error)"])
            return
        }
        var renewed: Set<String> = []
        for summary in summaries {
            guard let audience = TokenAudience(name: summary.audience, scopes: summary.scopes.split(separator: " ").map(String.init)),
                let token = try? await cachedToken(principal, audience)
            else { continue }
            let skip = state.withLock { $0.unrenewable.contains(token.fingerprint) }
            guard !skip, token.expiresAt > now, now >= refreshPoint(of: token) || arrivedAfter(now, token),
                renewed.insert(flightKey(audience)).inserted
            else { continue }
            do {
                try await renew(audience, for: principal)
                logger.info("refreshed ahead of expiry", metadata: ["audience": "\(audience)"])
            } catch IdentityError.loginFailed(let reason) where reason.contains("carried no usable") {
                state.withLock { _ = $0.unrenewable.insert(token.fingerprint) }
                logger.notice("the IdP does not renew this token on refresh", metadata: ["audience": "\(audience)"])
            } catch {
                // Still-valid tokens keep being served; status reports the failure and offline state.
                logger.warning("refresh ahead failed", metadata: ["audience": "\(audience)", "error": "\(error)"])
            }
        }
    }

    /// When `token` should be replaced: at the configured fraction of its lifetime, minus up to 5%
    /// jitter so that many daemons signed in at once do not refresh in the same second. The jitter
    /// is derived from the token's fingerprint, so it stays put between ticks.
    func refreshPoint(of token: IssuedToken) -> Date {
        let lifetime = token.expiresAt.timeIntervalSince(token.issuedAt)
        let digest = Array(SHA256.hash(data: Data(token.value.utf8)))
        let jitter = Double(UInt16(digest[0]) << 8 | UInt16(digest[1])) / Double(UInt16.max) * 0.05
        return token.issuedAt.addingTimeInterval(lifetime * max(0.1, configuration.refreshAheadFraction - jitter))
    }
}
