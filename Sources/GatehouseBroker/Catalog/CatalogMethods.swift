import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseRPC

/// The `catalog.*` RPC methods. Every answer carries `snapshotAt`.
struct CatalogMethods {
    let component: CatalogComponent

    private struct RefParams: Decodable {
        var ref: String
        var limit: Int?
    }
    private struct MineParams: Decodable {
        var `as`: String?
        var limit: Int?
    }

    var all: [RPCMethod] {
        let reader = component.reader
        let component = component
        return [
            RPCMethod(
                "catalog.get", summary: "One entity by ref (kind:namespace/name; bare names are components), from the local snapshot.",
                params: Self.schema(["ref": ["type": "string"]], required: ["ref"]),
                handler: .async { call in
                    let params: RefParams = try call.decodeParams()
                    let ref = try EntityRef(parsing: params.ref)
                    call.annotations.update { $0.entity = ref.description }
                    let (entity, document, snapshot) = try await reader.entity(ref)
                    return ["entity": entity.json, "document": document, "snapshotAt": .string(snapshot.snapshotAt)]
                }),
            RPCMethod(
                "catalog.search", summary: "Entities by kind, owner, system, lifecycle and text (FTS5 over name, title, description).",
                params: Self.schema([
                    "kind": ["type": "string"], "owner": ["type": "string"], "system": ["type": "string"],
                    "lifecycle": ["type": "string"], "text": ["type": "string"], "limit": ["type": "integer", "minimum": 1, "maximum": 1000],
                ]),
                handler: .async { call in
                    let query: CatalogSearch = try call.decodeParams()
                    let (entities, snapshot) = try await reader.search(query)
                    return [
                        "entities": .array(entities.map(\.json)), "count": .int(Int64(entities.count)), "snapshotAt": .string(snapshot.snapshotAt),
                    ]
                }),
            RPCMethod(
                "catalog.owners", summary: "Who owns an entity: its owner, the groups below it that inherit ownership, and their members.",
                params: Self.schema(["ref": ["type": "string"], "limit": ["type": "integer"]], required: ["ref"]),
                handler: .async { call in
                    let params: RefParams = try call.decodeParams()
                    let ref = try EntityRef(parsing: params.ref)
                    call.annotations.update { $0.entity = ref.description }
                    let (owners, snapshot) = try await reader.owners(of: ref, limit: min(max(params.limit ?? 500, 1), 10_000))
                    return try Self.merge(JSONValue(encoding: owners), snapshot)
                }),
            RPCMethod(
                "catalog.mine", summary: "What the signed-in principal (or `as`) owns, directly or through nested groups.",
                params: Self.schema(["as": ["type": "string"], "limit": ["type": "integer"]]),
                handler: .async { call in
                    let params: MineParams = try call.decodeParams()
                    let principal = try await component.principal(for: params.as)
                    call.annotations.update { $0.principal = principal.displayName }
                    let (owned, membership, snapshot) = try await reader.owned(by: principal, limit: min(max(params.limit ?? 1000, 1), 100_000))
                    return [
                        "user": membership.user.map(JSONValue.string) ?? .null,
                        "groups": .array(membership.groups.keys.sorted().map(JSONValue.string)),
                        "entities": .array(
                            owned.map {
                                ["ref": .string($0.entity.ref), "kind": .string($0.entity.kind), "via": .string($0.via), "entity": $0.entity.json]
                            }),
                        "count": .int(Int64(owned.count)), "snapshotAt": .string(snapshot.snapshotAt),
                    ]
                }),
            RPCMethod(
                "catalog.sync",
                summary:
                    "Full sync from Backstage into a new snapshot (joins one in flight); progress arrives as catalog.sync.progress notifications.",
                handler: .async { call in
                    guard let syncer = component.syncer else { throw CatalogError.notConfigured }
                    let notifier = call.notifier
                    let report = try await syncer.syncNow { progress in
                        guard notifier.isConnected, let params = try? JSONValue(encoding: progress) else { return }
                        var members = params.objectValue ?? [:]
                        members["entitiesPerSecond"] = .double(progress.entitiesPerSecond)
                        members["etaSeconds"] = progress.etaSeconds.map(JSONValue.double) ?? .null
                        notifier.notify(method: "catalog.sync.progress", params: .object(members))
                    }
                    let snapshot = try await reader.snapshot()
                    var result = try JSONValue(encoding: report).objectValue ?? [:]
                    result["entitiesPerSecond"] = .double(report.entitiesPerSecond)
                    result["snapshotAt"] = snapshot.map { .string($0.snapshotAt) } ?? .null
                    return .object(result)
                }),
            RPCMethod(
                "catalog.status", summary: "The current snapshot (snapshotAt, counts, age), the last sync and any sync in flight.",
                handler: .async { _ in .object(await component.statusJSON()) }),
        ]
    }

    private static func merge(_ value: JSONValue, _ snapshot: CatalogSnapshot) -> JSONValue {
        var members = value.objectValue ?? [:]
        members["snapshotAt"] = .string(snapshot.snapshotAt)
        return .object(members)
    }

    static func schema(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }
}
