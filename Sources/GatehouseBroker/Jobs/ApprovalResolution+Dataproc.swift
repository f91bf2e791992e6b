import GatehouseDataproc
import GatehouseOversight

extension JobService.ApprovalOutcome {
    /// What a person's decision means for held Dataproc work (jobs and clusters alike).
    init(_ resolution: ApprovalResolution) {
        switch resolution.outcome {
        case .approved: self = .approved
        case .denied: self = .denied(reason: resolution.reason)
        case .expired: self = .expired
        }
    }
}
