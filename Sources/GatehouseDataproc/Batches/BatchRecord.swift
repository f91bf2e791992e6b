import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// The states a batch goes through: Gatehouse's own before it is sent (as for jobs), then Dataproc's `Batch.State`.
public enum BatchState {
    /// Dataproc's states the tracker mirrors.
    public static let pending = "PENDING"
    public static let succeeded = "SUCCEEDED"
    public static let failed = "FAILED"

    /// States after which nothing changes.
    public static let terminal: Set<String> = [succeeded, failed, JobState.cancelled, JobState.rejected, JobState.expired]
    /// Gatehouse's own states, before Dataproc has the batch.
    public static let local: Set<String> = JobState.local

    /// True when `state` is final.
    public static func isTerminal(_ state: String) -> Bool { terminal.contains(state) }
}

/// A Serverless batch as Gatehouse knows it: who asked, for which entity, where it runs and where it is now.
public struct BatchRecord: Sendable, Codable, Equatable {
    /// The local id; also Dataproc's `batchId` and the base of the create's `requestId`.
    public var batchId: String
    public var principal: String
    public var entity: String
    public var project: String
    public var region: String
    /// `pysparkBatch`, `sparkBatch`, `sparkRBatch` or `sparkSqlBatch`.
    public var workload: String
    /// See `BatchState`.
    public var state: String
    /// Dataproc's `stateMessage`, the rejection message, or why it expired.
    public var detail: String?
    public var approvalId: String?
    public var createdAt: String
    public var updatedAt: String
    public var submittedAt: String?
    public var finishedAt: String?
    /// Dataproc's `uuid` once created.
    public var uuid: String?
    /// The create operation's name (cancels go through it).
    public var operation: String?
    /// `runtimeInfo.outputUri` once Dataproc named it.
    public var outputUri: String?
    /// When `batches.delete` was delivered.
    public var deletedAt: String?
    /// The `Batch` object sent (or to be sent).
    public var spec: JSONValue

    init(row: Row) {
        batchId = row["id"]
        principal = row["principal"]
        entity = row["entity"]
        project = row["project"]
        region = row["region"]
        workload = row["workload"]
        state = row["state"]
        detail = row["state_detail"]
        approvalId = row["approval_id"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        submittedAt = row["submitted_at"]
        finishedAt = row["finished_at"]
        uuid = row["upstream_uuid"]
        operation = row["operation"]
        outputUri = row["output_uri"]
        deletedAt = row["deleted_at"]
        let text: String = row["spec"]
        spec = (try? JSONParser.parse(text.utf8)) ?? .null
    }

    /// A new record, before it is stored.
    init(
        batchId: String, principal: String, entity: String, location: BatchLocation, workload: String, state: String, approvalId: String?,
        spec: JSONValue
    ) {
        let now = Timestamp.now()
        self.batchId = batchId
        self.principal = principal
        self.entity = entity
        project = location.project
        region = location.region
        self.workload = workload
        self.state = state
        self.approvalId = approvalId
        createdAt = now
        updatedAt = now
        self.spec = spec
    }

    /// Where it runs.
    public var location: BatchLocation { BatchLocation(project: project, region: region) }

    /// Dataproc's `batchId` of this batch.
    public var upstreamID: String { BatchID.derive(from: batchId) }

    /// True once nothing more will change.
    public var isTerminal: Bool { BatchState.isTerminal(state) }

    /// A new local id: as for jobs (`gh-` and 32 lowercase hex digits, time first), which is a valid `batchId` and `requestId`.
    public static func newID(now: Date = Date()) -> String { JobRecord.newID(now: now) }
}
