import Foundation
import GatehouseCore
import Synchronization

/// Every Dataproc job the sandbox holds, with the `requestId` index that makes submits idempotent.
public final class DataprocJobStore: Sendable {
    private struct State {
        var jobs: [DataprocJob] = []
        var byKey: [String: Int] = [:]
        var byRequest: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    private static func key(_ projectId: String, _ jobId: String) -> String { "\(projectId)/\(jobId)" }
    private static func requestKey(_ projectId: String, _ region: String, _ requestId: String) -> String { "\(projectId)/\(region)/\(requestId)" }

    /// What a submit did.
    enum SubmitOutcome {
        case created(DataprocJob)
        case replayed(DataprocJob)
        case jobIdTaken(String)
    }

    /// Adds `job` unless its requestId was seen (then the first job is returned) or its id is taken.
    func submit(_ job: DataprocJob) -> SubmitOutcome {
        state.withLock { state in
            if let requestId = job.requestId, let existing = state.byRequest[Self.requestKey(job.projectId, job.region, requestId)],
                let index = state.byKey[Self.key(job.projectId, existing)]
            {
                return .replayed(state.jobs[index])
            }
            let key = Self.key(job.projectId, job.jobId)
            if state.byKey[key] != nil { return .jobIdTaken(job.jobId) }
            state.byKey[key] = state.jobs.count
            state.jobs.append(job)
            if let requestId = job.requestId { state.byRequest[Self.requestKey(job.projectId, job.region, requestId)] = job.jobId }
            return .created(job)
        }
    }

    /// The job an earlier submit with this `requestId` created, if any.
    func replayed(projectId: String, region: String, requestId: String?) -> DataprocJob? {
        guard let requestId else { return nil }
        return state.withLock { state in
            state.byRequest[Self.requestKey(projectId, region, requestId)].flatMap { state.byKey[Self.key(projectId, $0)] }.map { state.jobs[$0] }
        }
    }

    /// The job with this id in the project and region.
    func job(projectId: String, region: String, jobId: String) -> DataprocJob? {
        state.withLock { state in
            state.byKey[Self.key(projectId, jobId)].map { state.jobs[$0] }.flatMap { $0.region == region ? $0 : nil }
        }
    }

    /// Applies `change` to the stored job and returns the result.
    func update(projectId: String, region: String, jobId: String, _ change: (inout DataprocJob) -> Void) -> DataprocJob? {
        state.withLock { state in
            guard let index = state.byKey[Self.key(projectId, jobId)], state.jobs[index].region == region else { return nil }
            change(&state.jobs[index])
            return state.jobs[index]
        }
    }

    /// Removes a job (its requestId stays remembered, as Google keeps dedupe records).
    func remove(projectId: String, jobId: String) {
        state.withLock { state in
            guard let index = state.byKey[Self.key(projectId, jobId)] else { return }
            state.jobs.remove(at: index)
            state.byKey = Dictionary(state.jobs.enumerated().map { (Self.key($1.projectId, $1.jobId), $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Every job, oldest first.
    public var all: [DataprocJob] { state.withLock { $0.jobs } }

    /// Forgets every job and requestId.
    public func reset() { state.withLock { $0 = State() } }
}
