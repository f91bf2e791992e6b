import GatehouseCore
import Synchronization

/// Work other components run at logout while the person is still signed in (their tokens still
/// work), e.g. tearing down the clusters they created. Lets identity stay ignorant of those modules.
public final class LogoutHooks: Sendable {
    /// One piece of work, given who is logging out.
    public typealias Hook = @Sendable (Principal) async -> Void

    private let hooks = Mutex<[Hook]>([])

    /// No hooks yet.
    public init() {}

    /// Adds `hook`; hooks run in the order they were added.
    public func add(_ hook: @escaping Hook) {
        hooks.withLock { $0.append(hook) }
    }

    /// Runs every hook for `principal`, one after the other.
    func run(_ principal: Principal) async {
        for hook in hooks.withLock({ $0 }) { await hook(principal) }
    }
}
