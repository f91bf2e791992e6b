import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// A job as Gatehouse knows it: who asked, for which entity, where it runs and where it is now.
public struct JobRecord: Sendable, Codable, Equatable {
    /// The local id; also Dataproc's `reference.jobId` and the base of its `requestId`.
    public var jobId: String
    public var principal: String
    public var entity: String
    public var project: String
    public var region: String
    public var cluster: String
    /// `pysparkJob`, `sparkJob`, `sparkSqlJob` or `hiveJob`.
    public var type: String
    /// See `JobState`.
    public var state: String
    /// Dataproc's status details, the rejection message, or why it expired.
    public var detail: String?
    public var approvalId: String?
    public var createdAt: String
    public var updatedAt: String
    public var submittedAt: String?
    public var finishedAt: String?
    /// Dataproc's `jobUuid` once submitted.
    public var jobUuid: String?
    /// The `Job` object sent (or to be sent).
    public var spec: JSONValue

    init(row: Row) {
        jobId = row["id"]
        principal = row["principal"]
        entity = row["entity"]
        project = row["project"]
        region = row["region"]
        cluster = row["cluster"]
        type = row["job_type"]
        state = row["state"]
        detail = row["state_detail"]
        approvalId = row["approval_id"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        submittedAt = row["submitted_at"]
        finishedAt = row["finished_at"]
        jobUuid = row["upstream_uuid"]
        let text: String = row["spec"]
        spec = (try? JSONParser.parse(text.utf8)) ?? .null
    }

    /// A new record, before it is stored.
    init(
        jobId: String, principal: String, entity: String, location: DataprocLocation, type: String, state: String, approvalId: String?,
        spec: JSONValue
    ) {
        let now = Timestamp.now()
        self.jobId = jobId
        self.principal = principal
        self.entity = entity
        project = location.project
        region = location.region
        cluster = location.cluster
        self.type = type
        self.state = state
        self.approvalId = approvalId
        createdAt = now
        updatedAt = now
        self.spec = spec
    }

    /// Where it runs.
    public var location: DataprocLocation { DataprocLocation(project: project, region: region, cluster: cluster) }

    /// True once nothing more will change.
    public var isTerminal: Bool { JobState.isTerminal(state) }

    /// A new local job id: `gh-`, the time in milliseconds (12 hex digits) and 80 random bits (20 hex
    /// digits); valid as a Dataproc job id and as a `requestId`.
    ///
    /// Time first, so ids sort by creation and every index keyed by job id grows at its end: a
    /// group commit of many submissions then touches a few pages instead of one per job.
    public static func newID(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        var generator = SystemRandomNumberGenerator()
        let high = UInt64.random(in: 0...0xFFFF_FFFF_FFFF, using: &generator)
        let low = UInt64.random(in: 0...0xFFFF_FFFF, using: &generator)
        return "gh-" + hex(millis, digits: 12) + hex(high, digits: 12) + hex(low, digits: 8)
    }

    /// `value` as exactly `digits` lowercase hex digits, zero-padded.
    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
