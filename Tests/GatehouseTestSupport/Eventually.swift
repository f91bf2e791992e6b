/// Waits, bounded by `timeout`, until `condition` holds, checking every `every`; whether it did.
public func eventually(
    timeout: Duration = .seconds(30), every: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: every)
    }
    return try await condition()
}
