import GatehouseCore
import GatehouseRPC

extension ClusterComponent {
    /// What `cluster.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let text = S.nullable(S.string)
        let clusterMembers: [String: JSONValue] = [
            "id": S.string, "name": S.string, "principal": S.string, "entity": S.string, "owner": S.string, "createdAsOwner": S.boolean,
            "project": S.string, "region": S.string, "template": S.string, "state": S.string, "detail": S.string,
            "approvalId": S.string, "deleteApprovalId": S.string, "autoDeleteSeconds": S.integer, "idleDeleteSeconds": S.integer,
            "extensions": S.integer, "labels": S.any, "lifecycleConfig": S.any,
        ]
        let clusterRequired = ["id", "name", "entity", "project", "region", "state"]
        let cluster = S.object(clusterMembers, required: clusterRequired)
        let created = S.object(
            clusterMembers.merging(["clusterId": S.string, "clusterName": S.string, "expiresAt": S.string]) { a, _ in a },
            required: clusterRequired + ["clusterId", "clusterName"])
        let detailed = S.object(
            clusterMembers.merging([
                "transitions": S.array(S.anyObject),
                "outbox": S.array(S.record(["kind": S.string, "state": S.string, "attempts": S.integer, "requestId": S.string, "lastError": text])),
            ]) { a, _ in a }, required: clusterRequired + ["transitions", "outbox"])
        let unknown = RPCErrorDescription(.notFound, "unknown_cluster", "No cluster with this id or name")
        let denied = RPCErrorDescription(.denied, "denied", "Policy denies the action on the cluster's entity")
        let signIn = RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first")
        let state = RPCErrorDescription(.conflict, "cluster_state", "The cluster is not in a state that allows this")
        return [
            RPCResultDescription(
                "cluster.create", result: created,
                errors: [
                    denied, signIn,
                    RPCErrorDescription(.conflict, "not_configured", "No such template, or the entity names no project/region"),
                    RPCErrorDescription(.conflict, "invalid_setting", "An override is outside what clusters.* allows"),
                    RPCErrorDescription(.denied, "limit", "The per-person or per-entity cluster limit is reached"),
                ]),
            RPCResultDescription("cluster.get", result: detailed, errors: [unknown, denied]),
            RPCResultDescription("cluster.list", result: S.record(["clusters": S.array(cluster), "count": S.integer]), errors: [denied, signIn]),
            RPCResultDescription(
                "cluster.delete",
                result: S.object(
                    [
                        "clusterId": S.string, "clusterName": S.string, "previousState": S.string, "delete": S.string, "approvalId": S.string,
                        "expiresAt": S.string,
                    ], required: ["clusterId", "clusterName", "previousState", "delete"]), errors: [unknown, denied, state]),
            RPCResultDescription(
                "cluster.extend",
                result: S.record([
                    "clusterId": S.string, "clusterName": S.string, "autoDeleteTtl": S.string, "autoDeleteAfterCreation": S.string,
                    "maxAutoDeleteTtl": S.string,
                ]),
                errors: [
                    unknown, denied, state,
                    RPCErrorDescription(.conflict, "invalid_setting", "`by` is not a duration"),
                    RPCErrorDescription(.denied, "limit", "The extension would pass clusters.max_auto_delete_ttl"),
                ]),
            RPCResultDescription("cluster.watch", result: cluster, errors: [unknown, denied]),
            RPCResultDescription("cluster.teardown", result: S.object(["mode": S.constant("report")], required: ["mode"]), errors: [signIn]),
        ]
    }

    /// `cluster.state`, sent while `cluster.watch` runs.
    public var notifications: [RPCNotificationDescription] {
        typealias S = ResultSchema
        return [
            RPCNotificationDescription(
                "cluster.state", summary: "The cluster's state now, then each change until it reaches `until` or is gone.", sentBy: ["cluster.watch"],
                params: S.record([
                    "clusterId": S.string, "clusterName": S.string, "state": S.string, "detail": S.nullable(S.string), "updatedAt": S.string,
                ]))
        ]
    }
}
