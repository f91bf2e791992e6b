import Foundation
import GRDB
import GatehouseCore
import GatehouseStore

/// A cluster as Gatehouse knows it: who asked, for which entity, where it is and where it stands.
public struct ClusterRecord: Sendable, Codable, Equatable {
    /// The local id (`gh-…`); the base of every `requestId` sent for the cluster.
    public var id: String
    /// Dataproc's `clusterName`.
    public var name: String
    public var principal: String
    public var entity: String
    /// The entity's owning group when the cluster was created.
    public var owner: String?
    /// Whether the principal owned the entity at creation (not only a grant): losing ownership later tears it down.
    public var createdAsOwner: Bool
    public var project: String
    public var region: String
    public var template: String
    /// See `ClusterState`.
    public var state: String
    public var detail: String?
    public var approvalId: String?
    public var deleteApprovalId: String?
    /// `lifecycleConfig.autoDeleteTtl`, seconds after creation.
    public var autoDeleteSeconds: Int
    /// `lifecycleConfig.idleDeleteTtl`, seconds.
    public var idleDeleteSeconds: Int
    /// How many times `cluster.extend` was asked.
    public var extensions: Int
    /// The operation being followed, if any.
    public var operation: String?
    /// Dataproc's `clusterUuid` once known.
    public var clusterUuid: String?
    public var createdAt: String
    public var updatedAt: String
    public var finishedAt: String?
    /// The `Cluster` object sent (or to be sent).
    public var spec: JSONValue

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        principal = row["principal"]
        entity = row["entity"]
        owner = row["owner"]
        createdAsOwner = row["created_as_owner"]
        project = row["project"]
        region = row["region"]
        template = row["template"]
        state = row["state"]
        detail = row["state_detail"]
        approvalId = row["approval_id"]
        deleteApprovalId = row["delete_approval_id"]
        autoDeleteSeconds = row["auto_delete_seconds"]
        idleDeleteSeconds = row["idle_delete_seconds"]
        extensions = row["extensions"]
        operation = row["operation"]
        clusterUuid = row["upstream_uuid"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        finishedAt = row["finished_at"]
        let text: String = row["spec"]
        spec = (try? JSONParser.parse(text.utf8)) ?? .null
    }

    /// A new record, before it is stored.
    init(
        id: String, spec: ClusterSpec, owner: ClusterSpec.Owner, region: String, template: String, state: String, approvalId: String?,
        createdAsOwner: Bool
    ) {
        let now = Timestamp.now()
        self.id = id
        name = spec.name
        principal = owner.principal
        entity = owner.entity
        self.owner = owner.group
        self.createdAsOwner = createdAsOwner
        project = owner.project
        self.region = region
        self.template = template
        self.state = state
        self.approvalId = approvalId
        autoDeleteSeconds = spec.autoDeleteSeconds
        idleDeleteSeconds = spec.idleDeleteSeconds
        extensions = 0
        createdAt = now
        updatedAt = now
        self.spec = spec.cluster
    }

    /// Project, region and name, as the client's paths need them.
    public var location: DataprocLocation { DataprocLocation(project: project, region: region, cluster: name) }

    /// True once nothing exists upstream and nothing more will change.
    public var isTerminal: Bool { ClusterState.isTerminal(state) }
}
