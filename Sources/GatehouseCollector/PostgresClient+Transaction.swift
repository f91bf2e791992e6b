import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but an error thrown by `body` comes out as itself: postgres-nio wraps it in
    /// `PostgresTransactionError`, which would hide a refusal's kind behind a 500.
    func transaction<Result>(logger: Logger, _ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        do {
            return try await withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError, error.rollbackError == nil { throw inner }
            throw error
        }
    }
}
