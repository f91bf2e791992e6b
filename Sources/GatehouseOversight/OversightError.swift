import GatehouseCore

/// Why oversight refused or could not do something; each message says what to do instead.
public enum OversightError: Error, CustomStringConvertible, Equatable {
    case badCallerClass(String)
    case reservedCallerClass(String)
    case badApprovalRule(String)
    case notFound(id: String)
    case alreadyDecided(id: String, state: String)
    /// The approver is not at a terminal (automation or a named class such as an AI agent).
    case approverNotInteractive(callerClass: String, because: String)
    /// The approver is the process that asked, or runs under it.
    case approverIsRequester(id: String, pid: Int32)
    /// Approving this action needs a sign-in at the IdP within the last `maxAgeSeconds`.
    case stepUpRequired(id: String, action: String, maxAgeSeconds: Int, lastSignInSecondsAgo: Int?)

    public var description: String {
        switch self {
        case .badCallerClass(let text):
            "oversight.caller_classes entry \"\(text)\" is not NAME=GLOB or NAME=sha256:<64 hex digits>"
        case .reservedCallerClass(let name):
            "oversight.caller_classes cannot define \"\(name)\": interactive and automation come from whether the caller has a terminal"
        case .badApprovalRule(let detail):
            "oversight.require_approval: \(detail)"
        case .notFound(let id):
            "no approval \(id); `gatehouse approvals` lists the pending ones"
        case .alreadyDecided(let id, let state):
            "approval \(id) is already \(state); nothing was changed"
        case .approverNotInteractive(let callerClass, let because):
            "approvals must come from a person at a terminal; this caller is \(callerClass) (\(because)). Run `gatehouse approve` in your own terminal"
        case .approverIsRequester(let id, let pid):
            "approval \(id) was requested by process \(pid), which cannot approve or deny its own request; a person must decide from another terminal"
        case .stepUpRequired(let id, let action, let maxAge, let ago):
            "approving \(action) (\(id)) needs a sign-in at your IdP within the last \(maxAge) s"
                + (ago.map { "; yours was \($0) s ago" } ?? "; this daemon has not seen one since it started")
                + ". `gatehouse approve \(id)` signs you in again first"
        }
    }
}
