/// The CLI's exit codes: one meaning each, one table. `--help` (root discussion) and docs/cli.md
/// are written from `ExitCode.table`, so the three cannot drift apart.
enum ExitCode: Int32, CaseIterable, Sendable {
    case ok = 0
    case error = 1
    case usage = 2
    case unreachable = 3
    case denied = 4
    case signIn = 5
    case notFound = 6
    case awaitingApproval = 7

    /// What a script may conclude from the code.
    var meaning: String {
        switch self {
        case .ok: "success"
        case .error: "any other failure (upstream error, job or cluster ended badly, etc.)"
        case .usage: "usage: bad flag, command, method, action, param or value; no --yes"
        case .unreachable: "the daemon is not running or not answering (`gatehouse serve`)"
        case .denied: "denied by policy (or an approver who may not decide)"
        case .signIn: "not signed in, or the session expired (`gatehouse login`)"
        case .notFound: "not found: entity, job, cluster, approval, dashboard, user"
        case .awaitingApproval: "waiting for a person's approval (`gatehouse approval ls`)"
        }
    }

    /// The table as lines `  N  meaning`, for help and docs.
    static var table: String {
        allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
    }
}

/// Ends the command with `code` after its output was printed in full (e.g. 7 when a job waits for approval).
struct CLIExit: Error {
    let code: ExitCode
}
