import Synchronization

/// At most one operation per key at a time; concurrent callers for a key share its result.
///
/// Logins and dashboard refreshes both need it. (The identity module has the same helper, but
/// internal; this one adds `waitForAll` so tests and shutdown can wait for background refreshes.)
final class Flights<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let inFlight = Mutex<[Key: Task<Value, any Error>]>([:])

    /// The result of `operation`, or of the one already running for `key`.
    func run(key: Key, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await start(key: key, operation).value
    }

    /// Starts `operation` unless one runs for `key`; returns the running task either way.
    @discardableResult
    func start(key: Key, _ operation: @escaping @Sendable () async throws -> Value) -> Task<Value, any Error> {
        inFlight.withLock { tasks -> Task<Value, any Error> in
            if let running = tasks[key] { return running }
            let task = Task {
                defer { self.finish(key) }
                return try await operation()
            }
            tasks[key] = task
            return task
        }
    }

    /// Whether an operation for `key` is running.
    func isRunning(_ key: Key) -> Bool { inFlight.withLock { $0[key] != nil } }

    /// Waits until every operation started so far has finished.
    func waitForAll() async {
        while let task = inFlight.withLock({ $0.values.first }) {
            _ = try? await task.value
        }
    }

    private func finish(_ key: Key) {
        inFlight.withLock { _ = $0.removeValue(forKey: key) }
    }
}
