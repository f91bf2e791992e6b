import GatehouseCore
import GatehouseRPC

extension CatalogComponent {
    /// The schema of one catalog entity as answers carry it.
    static let entitySchema: JSONValue = {
        typealias S = ResultSchema
        let strings: JSONValue = ["type": "object", "additionalProperties": S.string]
        return S.object(
            [
                "ref": S.string, "displayRef": S.string, "kind": S.string, "namespace": S.string, "name": S.string, "uid": S.string,
                "etag": S.string, "title": S.string, "description": S.string, "type": S.string, "owner": S.string, "system": S.string,
                "lifecycle": S.string, "annotations": strings, "labels": strings,
            ], required: ["ref", "kind", "namespace", "name", "annotations", "labels"])
    }()

    /// What `catalog.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let noSnapshot = RPCErrorDescription(.notFound, "no_snapshot", "No catalog snapshot yet: gatehouse catalog sync")
        let notFound = RPCErrorDescription(.notFound, "not_found", "No such entity in the snapshot (data.entity names it)")
        let notSignedIn = RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first, or pass `as`")
        let syncReport: [String: JSONValue] = [
            "snapshotId": S.integer, "entities": S.integer, "relations": S.integer, "pages": S.integer, "elapsedSeconds": S.number,
        ]
        return [
            RPCResultDescription(
                "catalog.get", result: S.record(["entity": Self.entitySchema, "document": S.anyObject, "snapshotAt": S.string]),
                errors: [noSnapshot, notFound]),
            RPCResultDescription(
                "catalog.search",
                result: S.record([
                    "entities": S.array(Self.entitySchema), "count": S.integer, "snapshotAt": S.string,
                ]), errors: [noSnapshot]),
            RPCResultDescription(
                "catalog.owners",
                result: S.object(
                    [
                        "entity": S.string, "owner": S.string, "groups": S.array(S.record(["group": S.string, "depth": S.integer])),
                        "users": S.array(S.string), "snapshotAt": S.string,
                    ], required: ["entity", "groups", "users", "snapshotAt"]), errors: [noSnapshot, notFound]),
            RPCResultDescription(
                "catalog.mine",
                result: S.record([
                    "user": S.nullable(S.string), "groups": S.array(S.string),
                    "entities": S.array(S.record(["ref": S.string, "kind": S.string, "via": S.string, "entity": Self.entitySchema])),
                    "count": S.integer, "snapshotAt": S.string,
                ]), errors: [noSnapshot, notSignedIn]),
            RPCResultDescription(
                "catalog.sync",
                result: S.object(
                    syncReport.merging(["entitiesPerSecond": S.number, "snapshotAt": S.nullable(S.string)]) { a, _ in a },
                    required: ["snapshotId", "entities", "relations", "pages", "elapsedSeconds", "entitiesPerSecond", "snapshotAt"]),
                errors: [
                    RPCErrorDescription(.conflict, "not_configured", "catalog.base_url is not set (or the token file is unreadable)"),
                    RPCErrorDescription(.upstreamUnavailable, "upstream_unavailable", "Backstage cannot be reached or answered a bad page"),
                    RPCErrorDescription(.shuttingDown, "cancelled", "The sync was cancelled by shutdown"),
                ]),
            RPCResultDescription(
                "catalog.status",
                result: S.object(
                    [
                        "configured": S.boolean, "syncIntervalSeconds": S.integer, "snapshot": S.anyObject, "snapshotAt": S.nullable(S.string),
                        "ageSeconds": S.integer, "syncing": S.boolean, "progress": S.nullable(S.anyObject), "lastSync": S.nullable(S.anyObject),
                        "lastError": S.nullable(S.string),
                    ], required: ["configured", "syncIntervalSeconds", "snapshotAt"])),
        ]
    }

    /// `catalog.sync.progress`, sent while a `catalog.sync` call runs.
    public var notifications: [RPCNotificationDescription] {
        typealias S = ResultSchema
        return [
            RPCNotificationDescription(
                "catalog.sync.progress", summary: "How far the sync has come.", sentBy: ["catalog.sync"],
                params: S.object(
                    [
                        "entities": S.integer, "totalItems": S.integer, "pages": S.integer, "elapsedSeconds": S.number,
                        "entitiesPerSecond": S.number, "etaSeconds": S.nullable(S.number),
                    ], required: ["entities", "pages", "elapsedSeconds", "entitiesPerSecond", "etaSeconds"]))
        ]
    }
}
