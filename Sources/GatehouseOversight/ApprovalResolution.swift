/// How a pending approval ended.
public struct ApprovalResolution: Sendable, Equatable {
    /// The three ends.
    public enum Outcome: String, Sendable {
        case approved, denied, expired
    }

    public let approvalID: String
    public let outcome: Outcome
    /// Who decided (display name) or nil on expiry.
    public let decidedBy: String?
    /// The reason given on deny, or a sentence on expiry.
    public let reason: String?

    /// A resolution.
    public init(approvalID: String, outcome: Outcome, decidedBy: String?, reason: String?) {
        self.approvalID = approvalID
        self.outcome = outcome
        self.decidedBy = decidedBy
        self.reason = reason
    }
}
