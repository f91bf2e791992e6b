import Foundation

/// The `requestId` rule Dataproc documents for every idempotent method: letters, digits,
/// underscores and hyphens, at most 40 characters.
enum RequestIdRule {
    /// Throws a 400 naming the rule when `requestId` breaks it.
    static func check(_ requestId: String?) throws(SandboxHTTPError) {
        guard let requestId else { return }
        if requestId.range(of: #"^[a-zA-Z0-9_-]{1,40}$"#, options: .regularExpression) == nil {
            throw .badRequest("Invalid requestId '\(requestId)': at most 40 letters, digits, underscores or hyphens.")
        }
    }
}
