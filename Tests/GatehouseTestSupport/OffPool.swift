import Foundation
import GatehouseTesting

/// Runs blocking work (a child process, a blocking socket) on a thread of its own, so it never holds
/// one of Swift's cooperative threads: on 2 cores the pool has two.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await runOnOwnThread(body)
}
