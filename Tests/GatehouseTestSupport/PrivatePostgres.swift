import GatehouseTesting

extension PrivatePostgres: StoppableResource {}

/// A fresh private PostgreSQL, stopped and removed when `body` ends.
@discardableResult
public func withPrivatePostgres<T>(_ body: (PrivatePostgres) async throws -> T) async throws -> T {
    try await using(try await PrivatePostgres.start(), body)
}
