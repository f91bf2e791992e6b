import Foundation
import GatehouseCore
import Synchronization

/// Every batch the sandbox holds, with the `requestId` index that makes creates idempotent.
public final class DataprocBatchStore: Sendable {
    private struct State {
        var batches: [DataprocBatch] = []
        var byRequest: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    private static func requestKey(_ projectId: String, _ location: String, _ requestId: String) -> String { "\(projectId)/\(location)/\(requestId)" }

    /// What a create did.
    enum CreateOutcome {
        case created(DataprocBatch)
        case replayed(DataprocBatch)
        case batchIdTaken(String)
    }

    /// Adds `batch` unless its requestId was seen (the first batch is returned) or its id is taken.
    func create(_ batch: DataprocBatch) -> CreateOutcome {
        state.withLock { state in
            if let earlier = Self.replayed(state, batch.projectId, batch.location, batch.requestId) { return .replayed(earlier) }
            if state.batches.contains(where: {
                !$0.deleted && $0.projectId == batch.projectId && $0.location == batch.location && $0.batchId == batch.batchId
            }) {
                return .batchIdTaken(batch.batchId)
            }
            state.batches.append(batch)
            if let requestId = batch.requestId { state.byRequest[Self.requestKey(batch.projectId, batch.location, requestId)] = batch.batchId }
            return .created(batch)
        }
    }

    private static func replayed(_ state: State, _ projectId: String, _ location: String, _ requestId: String?) -> DataprocBatch? {
        guard let requestId, let batchId = state.byRequest[requestKey(projectId, location, requestId)] else { return nil }
        return state.batches.first { $0.projectId == projectId && $0.location == location && $0.batchId == batchId }
    }

    /// The (not deleted) batch with this id in the project and location.
    func batch(projectId: String, location: String, batchId: String) -> DataprocBatch? {
        state.withLock { $0.batches.first { !$0.deleted && $0.projectId == projectId && $0.location == location && $0.batchId == batchId } }
    }

    /// The batch whose create operation has this id.
    func batch(operationId: String, projectId: String, location: String) -> DataprocBatch? {
        state.withLock { $0.batches.first { $0.operationId == operationId && $0.projectId == projectId && $0.location == location } }
    }

    /// Applies `change` to the stored batch and returns the result.
    func update(projectId: String, location: String, batchId: String, _ change: (inout DataprocBatch) -> Void) -> DataprocBatch? {
        state.withLock { state in
            guard
                let index = state.batches.firstIndex(where: {
                    !$0.deleted && $0.projectId == projectId && $0.location == location && $0.batchId == batchId
                })
            else {
                return nil
            }
            change(&state.batches[index])
            return state.batches[index]
        }
    }

    /// Deletes a batch. It is kept as a tombstone, as Google keeps its operation and dedupe
    /// record: a late resend of the create returns the first operation instead of a second batch.
    func remove(projectId: String, location: String, batchId: String) {
        _ = update(projectId: projectId, location: location, batchId: batchId) { $0.deleted = true }
    }

    /// Every batch not deleted, oldest first.
    public var all: [DataprocBatch] { state.withLock { $0.batches.filter { !$0.deleted } } }

    /// Every batch ever created (deleted ones too, for their operations), oldest first.
    var everCreated: [DataprocBatch] { state.withLock { $0.batches } }

    /// Forgets every batch and requestId.
    public func reset() { state.withLock { $0 = State() } }
}
