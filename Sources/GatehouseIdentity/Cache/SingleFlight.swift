import Synchronization

/// Runs at most one operation per key at a time; concurrent callers for the same key share its
/// result. Refresh tokens rotate on use, so two refreshes racing would revoke each other.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let inFlight = Mutex<[Key: Task<Value, any Error>]>([:])

    /// The result of `operation`, or of the identical one already running for `key`.
    func run(key: Key, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = inFlight.withLock { tasks -> Task<Value, any Error> in
            if let running = tasks[key] { return running }
            let task = Task { try await operation() }
            tasks[key] = task
            return task
        }
        defer { inFlight.withLock { tasks in if tasks[key] == task { tasks[key] = nil } } }
        return try await task.value
    }
}
