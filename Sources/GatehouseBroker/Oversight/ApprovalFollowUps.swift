import Synchronization
import GatehouseOversight

/// What components registered to run when an approval for one of their actions is settled.
final class ApprovalFollowUps: Sendable {
    typealias FollowUp = @Sendable (ApprovalResolution) async -> Void

    private let byAction = Mutex<[String: [FollowUp]]>([:])
    /// Approvals whose follow-ups are running now, so a second delivery round does not start them twice.
    private let running = Mutex<Set<String>>([])

    func register(_ action: String, _ followUp: @escaping FollowUp) {
        byAction.withLock { $0[action, default: []].append(followUp) }
    }

    func followUps(for action: String) -> [FollowUp] {
        byAction.withLock { $0[action] ?? [] }
    }

    /// Claims `id` for delivery; false when a delivery of it is already running.
    func claim(_ id: String) -> Bool {
        running.withLock { $0.insert(id).inserted }
    }

    func release(_ id: String) {
        _ = running.withLock { $0.remove(id) }
    }
}
